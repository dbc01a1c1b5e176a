import {
  DEAD_LETTER_RETENTION_SECONDS,
  deadLetterQueueName,
  parseConfig,
  resourceNames,
} from '@stevedore/core/config';
import { deployPlan, type PolicyDocument } from '@stevedore/deploy';
import { describe, expect, it } from 'vitest';
import exampleConfig from '../../../stevedore.config';
import { configErrorOf, configWith } from '../../support/configs';

const SCOPE = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
const SQS = 'arn:aws:sqs:eu-west-1:123456789012';
const config = parseConfig(exampleConfig);
const plan = deployPlan(config, 'prod', SCOPE);
const resourcesOf = (policy: PolicyDocument) => policy.Statement.flatMap((s) => s.Resource);

describe("a worker queue's dead-letter queue: config", () => {
  it('moves a message after 5 receives unless the worker says otherwise', () => {
    expect(parseConfig(configWith()).workers.mailer?.deadLetter).toEqual({ maxReceiveCount: 5 });
    expect(
      parseConfig(configWith({ worker: { deadLetter: { maxReceiveCount: 12 } } })).workers.mailer?.deadLetter,
    ).toEqual({ maxReceiveCount: 12 });
  });

  it.each([
    [0, 'expected an integer from 1 to 1000, got 0'],
    [1001, 'expected an integer from 1 to 1000, got 1001'],
    [2.5, 'expected an integer from 1 to 1000, got 2.5'],
  ])('refuses maxReceiveCount %s, naming the key', (value, message) => {
    expect(configErrorOf(configWith({ worker: { deadLetter: { maxReceiveCount: value } } })).issues).toEqual([
      { path: 'workers.mailer.deadLetter.maxReceiveCount', message },
    ]);
  });

  it('refuses an unknown key under deadLetter', () => {
    expect(configErrorOf(configWith({ worker: { deadLetter: { maxReceives: 3 } } })).issues).toEqual([
      { path: 'workers.mailer.deadLetter.maxReceives', message: 'unknown key' },
    ]);
  });

  it("refuses a worker queue that is another worker's dead-letter queue", () => {
    const input = configWith({
      top: {
        workers: {
          mailer: { queue: 'outgoing-mail', task: 'resize', max: 4 },
          other: { queue: 'outgoing-mail-dlq', task: 'other', max: 1 },
        },
        tasks: {
          resize: { image: 'x', cpu: 256, memory: 512 },
          other: { image: 'x', cpu: 256, memory: 512 },
        },
      },
    });
    expect(configErrorOf(input).issues).toContainEqual({
      path: 'workers.other.queue',
      message: '"outgoing-mail-dlq" is the dead-letter queue of workers.mailer',
    });
  });
});

describe("a worker queue's dead-letter queue: its name", () => {
  it('is the queue name with -dlq, as the resource names give it', () => {
    expect(deadLetterQueueName('stevedore-work')).toBe('stevedore-work-dlq');
    expect(resourceNames('stevedore', 'prod').deadLetterQueue('stevedore-work')).toBe('stevedore-work-dlq');
  });

  it('stays within SQS 80 characters, and two long names that share a start get different ones', () => {
    const a = `${'q'.repeat(78)}-a`;
    const b = `${'q'.repeat(78)}-b`;
    expect(deadLetterQueueName('q'.repeat(76))).toBe(`${'q'.repeat(76)}-dlq`);
    for (const name of [a, b, 'q'.repeat(80)]) {
      expect(deadLetterQueueName(name)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      expect(deadLetterQueueName(name).endsWith('-dlq')).toBe(true);
    }
    expect(deadLetterQueueName(a)).not.toBe(deadLetterQueueName(b));
  });
});

describe("a worker queue's dead-letter queue: the deploy plan", () => {
  it('gives every worker a DLQ with 14 days of retention, a redrive policy and an allow policy of its queue only', () => {
    expect(plan.workers.map((w) => [w.name, w.queue, w.deadLetter.queue])).toEqual([
      ['jobs', 'stevedore-work', 'stevedore-work-dlq'],
    ]);
    const [worker] = plan.workers;
    expect(JSON.parse(worker?.redrivePolicy ?? '')).toEqual({
      deadLetterTargetArn: `${SQS}:stevedore-work-dlq`,
      maxReceiveCount: 5,
    });
    expect(worker?.deadLetter).toMatchObject({
      maxReceiveCount: 5,
      retentionSeconds: 1_209_600,
      alarmName: 'stevedore-prod-jobs-dead-letters',
    });
    expect(DEAD_LETTER_RETENTION_SECONDS).toBe(14 * 24 * 3600);
    expect(JSON.parse(worker?.deadLetter.redriveAllowPolicy ?? '')).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: [`${SQS}:stevedore-work`],
    });
  });

  it("takes each worker's maxReceiveCount, for every worker", () => {
    const two = parseConfig({
      ...exampleConfig,
      tasks: { ...exampleConfig.tasks, other: exampleConfig.tasks.worker },
      workers: {
        ...exampleConfig.workers,
        other: { queue: 'other-work', task: 'other', max: 2, deadLetter: { maxReceiveCount: 2 } },
      },
    });
    const workers = deployPlan(two, 'prod', SCOPE).workers;
    expect(
      workers.map((w) => [
        w.deadLetter.queue,
        JSON.parse(w.redrivePolicy).maxReceiveCount,
        w.deadLetter.alarmName,
      ]),
    ).toEqual([
      ['stevedore-work-dlq', 5, 'stevedore-prod-jobs-dead-letters'],
      ['other-work-dlq', 2, 'stevedore-prod-other-dead-letters'],
    ]);
  });

  it("does not let the worker's task role, nor any function, touch the dead-letter queue", () => {
    const dlq = `${SQS}:stevedore-work-dlq`;
    for (const task of plan.tasks) {
      expect(resourcesOf(task.taskRolePolicy)).not.toContain(dlq);
      expect(resourcesOf(task.executionRolePolicy)).not.toContain(dlq);
    }
    for (const fn of plan.functions) expect(resourcesOf(fn.policy)).not.toContain(dlq);
  });

  it('grants an operator exactly what listing and redriving take: the move task actions on the DLQ, SendMessage on the queue', () => {
    expect(plan.operatorPolicy.Statement).toEqual([
      {
        Sid: 'ReadWorkerQueues',
        Effect: 'Allow',
        Action: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
        Resource: [`${SQS}:stevedore-work`, `${SQS}:stevedore-work-dlq`],
      },
      {
        Sid: 'ListDeadLetters',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage'],
        Resource: [`${SQS}:stevedore-work-dlq`],
      },
      {
        Sid: 'RedriveDeadLetters',
        Effect: 'Allow',
        Action: [
          'sqs:StartMessageMoveTask',
          'sqs:ListMessageMoveTasks',
          'sqs:CancelMessageMoveTask',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        Resource: [`${SQS}:stevedore-work-dlq`],
      },
      {
        Sid: 'RedriveToWorkerQueues',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [`${SQS}:stevedore-work`],
      },
    ]);
  });

  it('grants an operator nothing when there are no workers', () => {
    expect(
      deployPlan(parseConfig({ ...exampleConfig, workers: {} }), 'prod', SCOPE).operatorPolicy.Statement,
    ).toEqual([]);
  });
});
