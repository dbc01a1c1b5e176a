import * as v from 'valibot';
import { JOB_STATES } from '../job/job';

/*
 * `notifications`: job events of chosen states (failures and timeouts by default) and chosen
 * pipelines or schedules (all by default), sent to an SNS topic that a deploy creates with an email
 * subscription, or to an existing topic. A deploy creates the EventBridge rule on the job events.
 */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

export const DEFAULT_NOTIFIED_STATES = ['FAILED', 'TIMED_OUT'] as const;

export const NotificationsSchema = v.pipe(
  v.strictObject(
    {
      /** Creates a topic and subscribes this address (AWS sends a confirmation mail first). */
      email: v.optional(
        v.pipe(v.string('expected an email address'), v.regex(EMAIL, 'expected an email address')),
      ),
      /** An existing topic; its policy must let events.amazonaws.com publish (see README, Job events). */
      topicArn: v.optional(
        v.pipe(v.string('expected an SNS topic ARN'), v.regex(TOPIC_ARN, 'expected an SNS topic ARN')),
      ),
      states: v.optional(
        v.pipe(
          v.array(v.picklist(JOB_STATES, `expected job states (${JOB_STATES.join(', ')})`)),
          v.minLength(1, 'expected at least one job state'),
        ),
        [...DEFAULT_NOTIFIED_STATES],
      ),
      /** Pipelines or schedules whose jobs notify; all when omitted. */
      pipelines: v.optional(v.array(v.string('expected a pipeline or schedule name')), []),
    },
    (issue) =>
      issue.expected === 'never'
        ? 'unknown key'
        : 'expected an object with email or topicArn, states, pipelines',
  ),
  v.check(
    (n) => (n.email === undefined) !== (n.topicArn === undefined),
    'expected email (a topic is created) or topicArn (an existing topic), one of the two',
  ),
);
export type NotificationsConfig = v.InferOutput<typeof NotificationsSchema>;

/** Names in `notifications.pipelines` that are no pipeline or schedule of the config. */
export function unknownNotifiedSources(
  notifications: NotificationsConfig | undefined,
  sources: readonly string[],
): { path: string; message: string }[] {
  if (notifications && sources.length === 0) {
    return [{ path: 'notifications', message: 'no pipelines or schedules, so no job events to notify of' }];
  }
  const known = new Set(sources);
  return (notifications?.pipelines ?? []).flatMap((name, i) =>
    known.has(name)
      ? []
      : [
          {
            path: `notifications.pipelines.${i}`,
            message: `unknown pipeline or schedule ${JSON.stringify(name)} (${sources.length > 0 ? sources.join(', ') : 'none are defined'})`,
          },
        ],
  );
}
