import { handlerForEvent } from '@stevedore/control';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../support/fixtures';

describe('which handler a dead-lettered event is for, from the event alone', () => {
  it.each([
    [loadEvent('s3', 'object-created'), 'object-created'],
    [{ source: 'aws.ecs', 'detail-type': 'ECS Task State Change' }, 'task-state-change'],
    [{ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change' }, 'queue-alarm'],
    [{ source: 'aws.events', resources: ['arn:aws:events:eu-west-1:1:rule/app-prod-sweeper'] }, 'sweeper'],
    [
      { source: 'aws.events', resources: ['arn:aws:events:eu-west-1:1:rule/app-prod-scale-tick'] },
      'scale-tick',
    ],
    [{ schedule: 'daily-report', scheduledTime: '2026-12-02T06:00:00Z', executionId: 'x' }, 'schedule-fired'],
  ])('%j → %s', (event, handler) => {
    expect(handlerForEvent(event)).toBe(handler);
  });

  it.each([[null], ['text'], [{ source: 'aws.events', resources: [] }], [{ source: 'custom' }]])(
    'knows none for %j',
    (event) => {
      expect(handlerForEvent(event)).toBeUndefined();
    },
  );
});
