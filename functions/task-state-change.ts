import { type Handler, type HandlerDeps, parseOrReject, taskChanged } from '@stevedore/control';
import { parseTaskStateChange, snapshotOfDetail } from '@stevedore/core/events';
import { deployed } from './lib/lambda/deployed';

/** ECS "Task State Change" -> the job's next state (one conditional write, no read), or a worker service's task view. */
export function taskStateChange(deps: HandlerDeps): Handler {
  return async (event) => {
    const parsed = parseOrReject(deps, 'task-state-change', () => parseTaskStateChange(event));
    if (parsed) await taskChanged(deps, snapshotOfDetail(parsed.detail));
  };
}

export const handler = deployed(taskStateChange);
