import { alarmChanged, type Handler, type HandlerDeps, parseOrReject } from '@stevedore/control';
import { parseAlarmStateChange } from '@stevedore/core/events';
import { deployed } from './lib/lambda/deployed';
import { workerAdapters } from './lib/lambda/worker-adapters';

/** CloudWatch "Alarm State Change" of a worker queue's depth alarm -> that worker scaled now. */
export function queueAlarm(deps: HandlerDeps): Handler {
  return async (event) => {
    const parsed = parseOrReject(deps, 'queue-alarm', () => parseAlarmStateChange(event));
    if (parsed) await alarmChanged(deps, parsed.detail.alarmName, parsed.detail.state.value);
  };
}

export const handler = deployed(queueAlarm, workerAdapters);
