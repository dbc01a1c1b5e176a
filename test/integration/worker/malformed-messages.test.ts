import { redriveAllowPolicy, redrivePolicy } from '@stevedore/core/config';
import { MalformedMessageError, TaskProtection } from '@stevedore/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  REGION,
  startTestWorker,
  startWorkerHarness,
  type WorkerHarness,
  waitFor,
} from '../../support/worker-harness';

/*
 * A message the handler knows is malformed, on a queue with a dead-letter queue: runWorker releases it
 * at once, so it reaches the DLQ after maxReceiveCount receives even though the queue's visibility
 * timeout (10 minutes here) would otherwise hold it that long per receive; each failed receive is
 * logged once, saying why and how many receives are left.
 */

const arn = (queue: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`;
const MAX_RECEIVES = 3;

let h: WorkerHarness;

beforeAll(async () => {
  h = await startWorkerHarness({
    queues: [
      { name: 'poison-dlq', attributes: { RedriveAllowPolicy: redriveAllowPolicy(arn('poison')) } },
      {
        name: 'poison',
        attributes: {
          VisibilityTimeout: '600',
          RedrivePolicy: redrivePolicy(arn('poison-dlq'), MAX_RECEIVES),
        },
      },
      // Its own queue: a stopped worker's abandoned long poll may still take a message sent to the first.
      { name: 'flaky-dlq', attributes: { RedriveAllowPolicy: redriveAllowPolicy(arn('flaky')) } },
      {
        name: 'flaky',
        attributes: {
          VisibilityTimeout: '600',
          RedrivePolicy: redrivePolicy(arn('flaky-dlq'), MAX_RECEIVES),
        },
      },
    ],
    taskDefinitions: () => [],
    services: [],
  });
});
afterAll(async () => {
  await h?.close();
});

describe('runWorker and malformed messages', () => {
  it('releases a malformed message at once, so it reaches the dead-letter queue after maxReceiveCount receives', async () => {
    const worker = startTestWorker({
      queueUrl: h.queueUrl('poison'),
      sqs: h.sqs,
      taskProtection: new TaskProtection(undefined),
      waitTimeSeconds: 1,
      handler: (message) => {
        if (message.body === 'good') return;
        throw new MalformedMessageError('the body is not a job');
      },
    });

    await h.send('poison', ['bad', 'good']);
    await waitFor(() => h.storage.queueDepth('poison-dlq').visible === 1, 'the message in the DLQ');
    const summary = await worker.stop();

    expect(worker.ofType('started')[0]).toMatchObject({
      visibilityTimeoutSeconds: 600,
      maxReceiveCount: MAX_RECEIVES,
    });
    const failed = worker.ofType('failed');
    expect(failed.map((f) => [f.receiveCount, f.malformed])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(worker.ofType('released').flatMap((r) => r.messageIds)).toEqual(failed.map((f) => f.messageId));
    expect(summary).toEqual({ received: 4, succeeded: 1, failed: 3 });
    expect(h.storage.queueDepth('poison')).toMatchObject({ visible: 0, inFlight: 0 });

    const errors = worker.logs.filter((l) => l.level === 'error').map((l) => l.message);
    const id = failed[0]?.messageId;
    expect(errors).toEqual([
      `message ${id} failed: malformed message: the body is not a job; receive 1 of 3 before the dead-letter queue, visible again at once (malformed)`,
      `message ${id} failed: malformed message: the body is not a job; receive 2 of 3 before the dead-letter queue, visible again at once (malformed)`,
      `message ${id} failed: malformed message: the body is not a job; receive 3 of 3: SQS moves it to the dead-letter queue on its next receive`,
    ]);
  });

  it('leaves any other failure for its visibility timeout, saying so', async () => {
    const worker = startTestWorker({
      queueUrl: h.queueUrl('flaky'),
      sqs: h.sqs,
      taskProtection: new TaskProtection(undefined),
      waitTimeSeconds: 1,
      handler: () => {
        throw new Error('upstream unavailable');
      },
    });

    await h.send('flaky', ['later']);
    await waitFor(() => worker.ofType('failed').length === 1, 'the failure');
    await worker.stop();

    expect(worker.ofType('failed')[0]?.malformed).toBe(false);
    expect(worker.ofType('released')).toEqual([]);
    expect(h.storage.queueDepth('flaky')).toMatchObject({ visible: 0, inFlight: 1 });
    expect(worker.logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      expect.stringMatching(
        /failed: upstream unavailable; receive 1 of 3 before the dead-letter queue, visible again after its visibility timeout$/,
      ),
    ]);
  });
});
