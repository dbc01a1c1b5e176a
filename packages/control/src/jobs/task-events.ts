import { sourceOfJobId, type TaskSnapshot, taskOwner } from '@stevedore/core/job';
import type { HandlerDeps } from '../deps';
import { applyEvent, runEffects } from './job-steps';

/**
 * An ECS task changed state: a job's task moves its job with one conditional write and no read
 * (stale and duplicate events are refused by the write's condition); a worker service's task keeps
 * the ledger's view of that service current. When an attempt ends, its slot is freed, the next
 * waiting job launched and a retry scheduled: idempotent steps, so they run even when the write was
 * refused (a redelivery after a crash finishes what the first delivery started).
 */
export async function taskChanged(deps: HandlerDeps, task: TaskSnapshot): Promise<void> {
  const owner = taskOwner(task);
  if (owner.kind === 'service') {
    if (deps.app.workerOfService(owner.service)) {
      await deps.scaling.recordServiceTask(owner.service, task.taskArn, task.lastStatus, task.version);
    }
    return;
  }
  if (owner.kind !== 'job') return;
  const found = deps.app.source(sourceOfJobId(owner.jobId) ?? '');
  if (!found) {
    deps.logger.warn('task of an unknown job source', { jobId: owner.jobId, taskArn: task.taskArn });
    return;
  }
  const { decision } = await applyEvent(deps, owner.jobId, found, { type: 'task', task });
  if (decision && task.lastStatus === 'STOPPED') await runEffects(deps, decision.effects);
}
