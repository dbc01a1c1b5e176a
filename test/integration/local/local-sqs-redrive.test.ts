import { setTimeout as sleep } from 'node:timers/promises';
import {
  CancelMessageMoveTaskCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { SqsDeadLetters, SqsGauge } from '@stevedore/aws';
import { redriveAllowPolicy, redrivePolicy } from '@stevedore/core/config';
import { type LocalS3Sqs, startLocalS3Sqs } from '@stevedore/local';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/*
 * The local SQS stand-in's dead-letter queues, through the real SDK: fauxqs' RedrivePolicy moves a
 * message after maxReceiveCount receives, and the redrive actions fauxqs lacks (StartMessageMoveTask,
 * ListMessageMoveTasks, CancelMessageMoveTask) are answered as SQS answers them.
 */

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const arn = (queue: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`;
const MAX_RECEIVES = 2;

let storage: LocalS3Sqs;
let sqs: SQSClient;
let deadLetters: SqsDeadLetters;

beforeAll(async () => {
  storage = await startLocalS3Sqs({
    region: REGION,
    accountId: ACCOUNT,
    buckets: [],
    queues: [
      { name: 'work-dlq', attributes: { RedriveAllowPolicy: redriveAllowPolicy(arn('work')) } },
      { name: 'work', attributes: { RedrivePolicy: redrivePolicy(arn('work-dlq'), MAX_RECEIVES) } },
      { name: 'elsewhere', attributes: {} },
    ],
    onObjectCreated: () => {},
  });
  sqs = new SQSClient({
    endpoint: storage.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const gauge = new SqsGauge({ client: sqs, queueUrls: storage.queueUrls });
  deadLetters = new SqsDeadLetters({ client: sqs, queueUrl: (queue) => gauge.queueUrl(queue) });
});
afterEach(async () => {
  for (const queue of ['work', 'work-dlq', 'elsewhere']) {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: storage.queueUrls[queue] }));
  }
});
afterAll(async () => {
  sqs?.destroy();
  await storage?.close();
});

const url = (queue: string) => storage.queueUrls[queue] as string;

async function send(queue: string, bodies: string[]): Promise<void> {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url(queue),
      Entries: bodies.map((body, i) => ({ Id: `m${i}`, MessageBody: body })),
    }),
  );
}

/** Receives (and releases at once) until the queue is empty: a consumer that fails every message. */
async function failEverything(queue: string): Promise<number> {
  let receives = 0;
  // Bounded: each message is received MAX_RECEIVES times, then the next receive moves it.
  for (let i = 0; i < 20; i++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url(queue), MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    if (Messages.length === 0) return receives;
    receives += Messages.length;
  }
  throw new Error('the queue never emptied');
}

async function receiveAll(queue: string): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url(queue),
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 30,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  return Messages;
}

async function finished(queue: string) {
  for (let i = 0; i < 100; i++) {
    const task = await deadLetters.moveTask(queue);
    if (task && task.status !== 'RUNNING') return task;
    await sleep(50);
  }
  throw new Error('the move task never finished');
}

describe('dead-letter queues on the local SQS stand-in', () => {
  it('moves a message to the DLQ after maxReceiveCount receives, and lists it there without losing it', async () => {
    await send('work', ['{"ms":1}', 'not json', '{"id":"x"}']);

    expect(await failEverything('work')).toBe(3 * MAX_RECEIVES);
    expect(storage.queueDepth('work')).toMatchObject({ visible: 0, inFlight: 0 });
    expect(storage.queueDepth('work-dlq')).toMatchObject({ visible: 3, inFlight: 0 });

    const listed = await deadLetters.list('work-dlq', 100);
    expect(listed.map((l) => l.bodyPreview).sort()).toEqual(['not json', '{"id":"x"}', '{"ms":1}']);
    // Listing receives with visibility timeout 0: the messages stay, each counted once more.
    expect(listed.every((l) => l.receiveCount > MAX_RECEIVES)).toBe(true);
    expect(listed.every((l) => l.sentAt !== undefined && l.firstReceivedAt !== undefined)).toBe(true);
    expect(storage.queueDepth('work-dlq')).toMatchObject({ visible: 3, inFlight: 0 });
    expect((await deadLetters.list('work-dlq', 2)).length).toBe(2);
  });

  it('redrives the DLQ back to the queue as new messages, and reports the task as COMPLETED', async () => {
    await send('work', ['a', 'b', 'c', 'd']);
    await failEverything('work');
    const before = await deadLetters.list('work-dlq', 10);

    await deadLetters.redrive('work-dlq', 'work');
    const task = await finished('work-dlq');

    expect(task).toMatchObject({ status: 'COMPLETED', moved: 4, toMove: 4 });
    expect(storage.queueDepth('work-dlq').visible).toBe(0);
    const back = await receiveAll('work');
    expect(back.map((m) => m.Body).sort()).toEqual(['a', 'b', 'c', 'd']);
    // As on AWS, a redriven message is a new one: a new id, received for the first time.
    expect(back.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1', '1', '1', '1']);
    const oldIds = new Set(before.map((l) => l.id));
    expect(back.filter((m) => oldIds.has(m.MessageId ?? ''))).toEqual([]);
  });

  it('without DestinationArn, sends each message back to the queue it came from', async () => {
    await send('work', ['home']);
    await failEverything('work');

    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('work-dlq') }));
    expect(TaskHandle).toEqual(expect.any(String));
    await finished('work-dlq');

    expect((await receiveAll('work')).map((m) => m.Body)).toEqual(['home']);
  });

  it('moves at MaxNumberOfMessagesPerSecond, and a cancelled task stops with what it moved', async () => {
    await send('work', ['1', '2', '3', '4', '5']);
    await failEverything('work');

    const { TaskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: arn('work-dlq'),
        DestinationArn: arn('work'),
        MaxNumberOfMessagesPerSecond: 1,
      }),
    );
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: arn('work-dlq'), MaxResults: 10 }),
    );
    expect(Results[0]).toMatchObject({
      TaskHandle,
      Status: 'RUNNING',
      SourceArn: arn('work-dlq'),
      DestinationArn: arn('work'),
      MaxNumberOfMessagesPerSecond: 1,
      ApproximateNumberOfMessagesToMove: 5,
    });
    // One task per source queue at a time.
    await expect(
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('work-dlq') })),
    ).rejects.toMatchObject({ name: 'UnsupportedOperation' });

    const { ApproximateNumberOfMessagesMoved } = await sqs.send(
      new CancelMessageMoveTaskCommand({ TaskHandle: TaskHandle as string }),
    );
    const task = await deadLetters.moveTask('work-dlq');
    expect(task?.status).toBe('CANCELLED');
    expect(task?.moved).toBe(ApproximateNumberOfMessagesMoved);
    expect(ApproximateNumberOfMessagesMoved).toBeLessThan(5);
    expect(storage.queueDepth('work-dlq').visible).toBe(5 - (ApproximateNumberOfMessagesMoved ?? 0));
  });

  it('refuses what SQS refuses: a queue that is no DLQ, a missing queue, a bad rate, an unknown task', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: url('elsewhere'), MessageBody: 'x' }));

    await expect(
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('elsewhere') })),
    ).rejects.toMatchObject({ name: 'UnsupportedOperation' });
    await expect(
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('missing') })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: arn('work-dlq'), DestinationArn: arn('missing') }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: arn('work-dlq'), MaxNumberOfMessagesPerSecond: 501 }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url('elsewhere'),
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
  });
});
