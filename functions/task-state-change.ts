import { isJobId, parseTaskStateChange, snapshotOfDetail, sourceOfJobId } from '@stevedore/core';
import { deployed } from './lib/deployed';
import type { Handler, HandlerDeps } from './lib/deps';
import { applyEvent, runEffects, sourcePolicy } from './lib/job-runner';
import { parseOrReject } from './lib/malformed';
import { workersOf } from './lib/scaling';

/**
 * ECS "Task State Change" -> the job's next state, with one conditional write and no read. Stale and
 * duplicate events are refused by the write's condition. When an attempt ends, its slot is freed,
 * the next waiting job launched and a retry scheduled: idempotent steps, so they run even when the
 * write was refused (a redelivery after a crash finishes what the first delivery started).
 */
export function taskStateChange(deps: HandlerDeps): Handler {
  return async (event) => {
    const parsed = parseOrReject(deps, 'task-state-change', () => parseTaskStateChange(event));
    if (!parsed) return;
    const task = snapshotOfDetail(parsed.detail);
    if (task.group?.startsWith('service:')) {
      // A worker service's task: keep the ledger's view of the service's tasks current.
      const service = task.group.slice('service:'.length);
      if (workersOf(deps).some((w) => w.service === service)) {
        await deps.scaling.recordServiceTask(service, task.taskArn, task.lastStatus, task.version);
      }
      return;
    }
    const jobId = task.startedBy;
    if (!jobId || !isJobId(jobId)) return; // not a job's task
    const found = sourcePolicy(deps, sourceOfJobId(jobId) ?? '');
    if (!found) {
      deps.logger.warn('task of an unknown job source', { jobId, taskArn: task.taskArn });
      return;
    }
    const { decision } = await applyEvent(deps, jobId, found, { type: 'task', task });
    if (decision && task.lastStatus === 'STOPPED') await runEffects(deps, decision.effects);
  };
}

export const handler = deployed(taskStateChange);
