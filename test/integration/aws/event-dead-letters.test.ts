import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsEventDeadLetters } from '@stevedore/aws';
import { handlerForEvent, listDeadLetters, redrive } from '@stevedore/control';
import type { HandlerInvoker } from '@stevedore/core/ports';
import { type LocalS3Sqs, startLocalS3Sqs } from '@stevedore/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEvent } from '../../support/fixtures';

/*
 * A stage's dead-letter queue for events, over the local SQS stand-in with the real SDK: messages as
 * EventBridge leaves them for a rule target (the event as body; RULE_ARN, TARGET_ARN, ERROR_CODE,
 * ERROR_MESSAGE, RETRY_ATTEMPTS as message attributes, per the EventBridge User Guide) and as Lambda
 * leaves a failed asynchronous invocation (ErrorCode, ErrorMessage, RequestID; no target).
 */

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const QUEUE = 'app-prod-dead-letters';
const FUNCTION = 'app-prod-object-created';
let storage: LocalS3Sqs;
let sqs: SQSClient;

beforeAll(async () => {
  storage = await startLocalS3Sqs({
    region: REGION,
    accountId: ACCOUNT,
    buckets: [],
    queues: [{ name: QUEUE }],
    onObjectCreated: () => {},
  });
  sqs = new SQSClient({
    endpoint: storage.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  sqs?.destroy();
  await storage?.close();
});

const text = (StringValue: string) => ({ DataType: 'String', StringValue });

async function deadLetterFromRule(): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: storage.queueUrls[QUEUE],
      MessageBody: JSON.stringify(loadEvent('s3', 'object-created')),
      MessageAttributes: {
        RULE_ARN: text(`arn:aws:events:${REGION}:${ACCOUNT}:rule/app-prod-pipeline-photos`),
        TARGET_ARN: text(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION}`),
        ERROR_CODE: text('SDK_CLIENT_ERROR'),
        ERROR_MESSAGE: text('Unable to invoke Lambda function'),
        RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '185' },
      },
    }),
  );
}

async function deadLetterFromLambda(): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: storage.queueUrls[QUEUE],
      MessageBody: JSON.stringify({ source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail: {} }),
      MessageAttributes: {
        RequestID: text('9d7f1c2e-0000-4000-8000-000000000000'),
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: text('LedgerError: ledger applyPatch failed'),
      },
    }),
  );
}

const store = () =>
  new SqsEventDeadLetters({
    queue: QUEUE,
    client: sqs,
    handlerOfFunction: (name) => (name === FUNCTION ? 'object-created' : undefined),
    handlerOfEvent: handlerForEvent,
  });

describe("a stage's dead-letter queue of events", () => {
  it('lists each event with its handler and why it failed; redrive keeps what fails again with its error, removes what is delivered', async () => {
    await deadLetterFromRule();
    await deadLetterFromLambda();
    const failing = new Set(['task-state-change']);
    const delivered: string[] = [];
    const invoker: HandlerInvoker = {
      invoke: async (handler) => {
        if (failing.has(handler)) throw new Error('still broken');
        delivered.push(handler);
      },
    };

    const listed = await listDeadLetters(store());
    const first = await redrive(store(), invoker);
    const kept = await listDeadLetters(store());
    failing.clear();
    const second = await redrive(store(), invoker);

    expect(listed.map((l) => [l.handler, l.target, l.error, l.attempts]).sort()).toEqual([
      ['object-created', FUNCTION, 'SDK_CLIENT_ERROR: Unable to invoke Lambda function', 186],
      [
        'task-state-change',
        'a function (asynchronous invocation)',
        '200: LedgerError: ledger applyPatch failed',
        undefined,
      ],
    ]);
    expect(first).toMatchObject({ delivered: 1, failed: 1 });
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ handler: 'task-state-change', error: 'Error: still broken' });
    expect(second).toMatchObject({ delivered: 1, failed: 0 });
    expect(delivered).toEqual(['object-created', 'task-state-change']);
    expect(await listDeadLetters(store())).toEqual([]);
  });

  it('a redrive of some ids leaves the others visible at once, as they were', async () => {
    await deadLetterFromRule();
    await deadLetterFromLambda();
    const [first, second] = await listDeadLetters(store());
    const invoker: HandlerInvoker = { invoke: async () => {} };

    const report = await redrive(store(), invoker, { ids: [first?.id ?? ''] });

    expect(report).toMatchObject({ delivered: 1, failed: 0 });
    expect(await listDeadLetters(store())).toEqual([second]);
    await redrive(store(), invoker);
  });
});
