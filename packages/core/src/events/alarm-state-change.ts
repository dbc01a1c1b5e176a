import * as v from 'valibot';
import { envelope, isoTime, parseEvent } from './parse-event';

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

const AlarmState = v.looseObject({
  value: v.picklist(ALARM_STATES, 'expected OK, ALARM or INSUFFICIENT_DATA'),
  reason: v.optional(v.string()),
  timestamp: v.optional(isoTime),
});

/** CloudWatch "Alarm State Change" (the fast path of worker scaling). */
export const AlarmStateChangeSchema = envelope(
  'aws.cloudwatch',
  'CloudWatch Alarm State Change',
  v.looseObject({
    alarmName: v.string('expected the alarm name'),
    state: AlarmState,
    previousState: v.optional(AlarmState),
  }),
);
export type AlarmStateChangeEvent = v.InferOutput<typeof AlarmStateChangeSchema>;

/** Validates a CloudWatch Alarm State Change event; throws MalformedEventError. */
export function parseAlarmStateChange(event: unknown): AlarmStateChangeEvent {
  return parseEvent('CloudWatch Alarm State Change', AlarmStateChangeSchema, event);
}
