import { parseAlarmStateChange } from '@stevedore/core';
import { deployed, workerAdapters } from './lib/deployed';
import type { Handler, HandlerDeps } from './lib/deps';
import { parseOrReject } from './lib/malformed';
import { scaleWorker, workersOf } from './lib/scaling';

/**
 * CloudWatch "Alarm State Change" of a worker queue's depth alarm: the fast path. The alarm only
 * says that something changed; the decision reads the queue itself.
 */
export function queueAlarm(deps: HandlerDeps): Handler {
  return async (event) => {
    const parsed = parseOrReject(deps, 'queue-alarm', () => parseAlarmStateChange(event));
    if (!parsed) return;
    const worker = workersOf(deps).find((w) => deps.names.depthAlarm(w.name) === parsed.detail.alarmName);
    if (!worker) {
      deps.logger.warn('alarm of no worker', { alarmName: parsed.detail.alarmName });
      return;
    }
    await scaleWorker(deps, worker, `alarm ${parsed.detail.state.value}`);
  };
}

export const handler = deployed(queueAlarm, workerAdapters);
