import { parseConfig } from '@stevedore/core/config';
import { deployPlan, ledgerTableArgs } from '@stevedore/deploy';
import { describe, expect, it } from 'vitest';

/*
 * Job events in the deploy plan: a job-events function fed by the ledger table's stream, which may
 * read that one stream and put events on that one bus, and nothing of the ledger itself.
 */

const SCOPE = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
const TASK = { image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/resize:1', cpu: 256, memory: 512 };

const withJobs = parseConfig({
  app: 'media',
  tasks: { resize: TASK },
  pipelines: { thumbnails: { bucket: 'media-uploads', task: 'resize' } },
});
const workersOnly = parseConfig({
  app: 'media',
  tasks: { worker: TASK },
  workers: { work: { queue: 'work', task: 'worker', max: 2 } },
});

describe('job events in the deploy plan', () => {
  const plan = deployPlan(withJobs, 'prod', SCOPE);
  const fn = plan.functions.find((f) => f.handler === 'job-events');

  it('a job-events function on the stream of the ledger, retried, bisected, failures reported', () => {
    expect(fn).toMatchObject({
      name: 'media-prod-job-events',
      roleName: 'media-prod-fn-job-events',
      environment: expect.objectContaining({ STEVEDORE_EVENT_BUS: 'default' }),
    });
    expect(plan.jobEvents).toEqual({
      handler: 'job-events',
      eventBus: 'default',
      streamViewType: 'NEW_AND_OLD_IMAGES',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
      maximumBatchingWindowSeconds: 1,
      maximumRetryAttempts: 10,
      maximumRecordAgeSeconds: 21600,
      bisectBatchOnFunctionError: true,
    });
    expect(ledgerTableArgs(plan.names.table)).toMatchObject({
      streamEnabled: true,
      streamViewType: 'NEW_AND_OLD_IMAGES',
    });
  });

  it('may read the ledger stream and put events on the default bus: nothing else of DynamoDB or EventBridge', () => {
    expect(fn?.policy.Statement).toEqual([
      {
        Sid: 'ReadLedgerStream',
        Effect: 'Allow',
        Action: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        Resource: ['arn:aws:dynamodb:eu-west-1:123456789012:table/media-prod-ledger/stream/*'],
      },
      {
        Sid: 'PutJobEvents',
        Effect: 'Allow',
        Action: ['events:PutEvents'],
        Resource: ['arn:aws:events:eu-west-1:123456789012:event-bus/default'],
      },
      expect.objectContaining({ Sid: 'OwnLogs' }),
      {
        Sid: 'DeadLetters',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: ['arn:aws:sqs:eu-west-1:123456789012:media-prod-dead-letters'],
      },
    ]);
    const others = plan.functions.filter((f) => f.handler !== 'job-events');
    for (const other of others) {
      expect(JSON.stringify(other.policy)).not.toContain('events:PutEvents');
      expect(JSON.stringify(other.policy)).not.toContain('/stream/');
    }
  });

  it('no jobs, no job events', () => {
    const workers = deployPlan(workersOnly, 'prod', SCOPE);

    expect(workers.functions.map((f) => f.handler)).not.toContain('job-events');
    expect(workers.jobEvents).toBeUndefined();
  });

  it('notifications: a rule on the chosen job events, to a topic created for the email', () => {
    const notified = deployPlan(
      parseConfig({
        app: 'media',
        tasks: { resize: TASK },
        pipelines: { thumbnails: { bucket: 'media-uploads', task: 'resize' } },
        notifications: { email: 'ops@example.com', pipelines: ['thumbnails'] },
      }),
      'prod',
      SCOPE,
    );

    expect(notified.notifications).toEqual({
      ruleName: 'media-prod-job-notifications',
      pattern: JSON.stringify({
        source: ['stevedore'],
        'detail-type': ['Stevedore Job State Change'],
        detail: {
          state: ['FAILED', 'TIMED_OUT'],
          $or: [{ pipeline: ['thumbnails'] }, { schedule: ['thumbnails'] }],
        },
      }),
      topicName: 'media-prod-job-notifications',
      email: 'ops@example.com',
    });
    expect(plan.notifications).toBeUndefined();
  });

  it('notifications to a given topic create none', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:job-alerts';
    const notified = deployPlan(
      parseConfig({
        app: 'media',
        tasks: { resize: TASK },
        pipelines: { thumbnails: { bucket: 'media-uploads', task: 'resize' } },
        notifications: { topicArn, states: ['FAILED'] },
      }),
      'prod',
      SCOPE,
    );

    expect(notified.notifications).toEqual({
      ruleName: 'media-prod-job-notifications',
      pattern: JSON.stringify({
        source: ['stevedore'],
        'detail-type': ['Stevedore Job State Change'],
        detail: { state: ['FAILED'] },
      }),
      topicArn,
    });
  });
});
