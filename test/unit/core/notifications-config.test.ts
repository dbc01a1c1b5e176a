import { parseConfig, validateConfig } from '@stevedore/core/config';
import { describe, expect, it } from 'vitest';

/* `notifications` in the config: one topic (created for an email, or given), chosen states and sources. */

const BASE = {
  tasks: { resize: { image: 'public.ecr.aws/acme/resize:1', cpu: 256, memory: 512 } },
  pipelines: { thumbnails: { bucket: 'media-uploads', task: 'resize' } },
  schedules: { nightly: { expression: 'cron(0 3 * * ? *)', task: 'resize' } },
};

const issuesOf = (notifications: unknown, base: Record<string, unknown> = BASE) =>
  validateConfig({ ...base, notifications }).map((i) => `${i.path}: ${i.message}`);

describe('notifications config', () => {
  it('an email: failures and timeouts of every pipeline and schedule by default', () => {
    const config = parseConfig({ ...BASE, notifications: { email: 'ops@example.com' } });

    expect(config.notifications).toEqual({
      email: 'ops@example.com',
      states: ['FAILED', 'TIMED_OUT'],
      pipelines: [],
    });
  });

  it('a topic, chosen states and sources (a pipeline and a schedule)', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:job-alerts';
    const config = parseConfig({
      ...BASE,
      notifications: { topicArn, states: ['FAILED', 'SUCCEEDED'], pipelines: ['thumbnails', 'nightly'] },
    });

    expect(config.notifications).toEqual({
      topicArn,
      states: ['FAILED', 'SUCCEEDED'],
      pipelines: ['thumbnails', 'nightly'],
    });
  });

  it.each([
    ['neither email nor topic', {}, /^notifications: expected email .* or topicArn .*one of the two/],
    [
      'both',
      { email: 'ops@example.com', topicArn: 'arn:aws:sns:eu-west-1:123456789012:t' },
      /^notifications: expected email .* or topicArn/,
    ],
    ['a bad email', { email: 'ops' }, /^notifications.email: expected an email address/],
    [
      'a bad topic ARN',
      { topicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' },
      /^notifications.topicArn: expected an SNS topic ARN/,
    ],
    [
      'an unknown state',
      { email: 'ops@example.com', states: ['BROKEN'] },
      /^notifications.states.0: expected job states/,
    ],
    ['an unknown key', { email: 'ops@example.com', sms: '+1555' }, /^notifications.sms: unknown key/],
    [
      'an unknown source, naming the valid ones',
      { email: 'ops@example.com', pipelines: ['thumbnail'] },
      /^notifications.pipelines.0: unknown pipeline or schedule "thumbnail" \(thumbnails, nightly\)/,
    ],
  ])('rejects %s', (_, notifications, problem) => {
    const issues = issuesOf(notifications);

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(problem);
  });

  it('rejects notifications without a pipeline or schedule: there would be no job events', () => {
    expect(issuesOf({ email: 'ops@example.com' }, { tasks: BASE.tasks })).toEqual([
      'notifications: no pipelines or schedules, so no job events to notify of',
    ]);
  });
});
