import * as v from 'valibot';
import { envelope, isoTime, parseEvent } from './parse-event';

/** EventBridge "Scheduled Event" from a rate/cron rule: drives the periodic functions (sweeper, tick). */
export const ScheduledEventSchema = envelope(
  'aws.events',
  'Scheduled Event',
  v.optional(v.looseObject({}), {}),
);
export type ScheduledEvent = v.InferOutput<typeof ScheduledEventSchema>;

export function parseScheduledEvent(event: unknown): ScheduledEvent {
  return parseEvent('Scheduled Event', ScheduledEventSchema, event);
}

/**
 * What EventBridge Scheduler delivers to `schedule-fired`. The target's input is a template that
 * Scheduler fills from its context attributes: <aws.scheduler.scheduled-time>,
 * <aws.scheduler.execution-id> and <aws.scheduler.attempt-number>.
 */
export const ScheduleFiredSchema = v.looseObject({
  schedule: v.pipe(v.string('expected the schedule name'), v.minLength(1)),
  scheduledTime: isoTime,
  executionId: v.optional(v.string()),
  attempt: v.optional(v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number))])),
  /** Set by `stevedore schedules run`: a person asked for this run, so it runs even while disabled. */
  manual: v.optional(v.boolean('expected true or false')),
});
export type ScheduleFired = v.InferOutput<typeof ScheduleFiredSchema>;

export function parseScheduleFired(event: unknown): ScheduleFired {
  return parseEvent('Scheduler invocation', ScheduleFiredSchema, event);
}

/** The input template of an EventBridge Scheduler target for a schedule. */
export function scheduleTargetInput(schedule: string): string {
  return JSON.stringify({
    schedule,
    scheduledTime: '<aws.scheduler.scheduled-time>',
    executionId: '<aws.scheduler.execution-id>',
    attempt: '<aws.scheduler.attempt-number>',
  });
}
