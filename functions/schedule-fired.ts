import { fireSchedule, type Handler, type HandlerDeps, parseOrReject } from '@stevedore/control';
import { parseScheduleFired } from '@stevedore/core/events';
import { deployed } from './lib/lambda/deployed';

/**
 * EventBridge Scheduler's invocation of a schedule (the target input carries the schedule's name
 * and <aws.scheduler.scheduled-time>): one run, under the schedule's overlap policy.
 */
export function scheduleFired(deps: HandlerDeps): Handler {
  return async (event) => {
    const parsed = parseOrReject(deps, 'schedule-fired', () => parseScheduleFired(event));
    if (!parsed) return;
    const { outcome, jobId } = await fireSchedule(deps, parsed.schedule, new Date(parsed.scheduledTime), {
      manual: parsed.manual === true,
    });
    deps.logger.debug('schedule fired', {
      schedule: parsed.schedule,
      scheduledTime: parsed.scheduledTime,
      outcome,
      jobId,
    });
  };
}

export const handler = deployed(scheduleFired);
