import { DescribeServicesCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { DecisionRecord } from '@stevedore/core/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevProcess, eventually, runCli, startDev } from '../support/dev-process';

const CONFIG = 'test/e2e/configs/workers.config.ts';

let dev: DevProcess;

async function service(name: string) {
  const { services } = await dev.ecs.send(
    new DescribeServicesCommand({ cluster: dev.endpoints.cluster, services: [`e2ew-local-${name}`] }),
  );
  const found = services?.[0];
  if (!found) throw new Error(`no service ${name}`);
  return { desired: found.desiredCount ?? 0, running: found.runningCount ?? 0 };
}

async function tasksEverStarted(name: string): Promise<number> {
  let count = 0;
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const page = await dev.ecs.send(
      new ListTasksCommand({
        cluster: dev.endpoints.cluster,
        serviceName: `e2ew-local-${name}`,
        desiredStatus,
      }),
    );
    count += page.taskArns?.length ?? 0;
  }
  return count;
}

async function results(): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await dev.s3.send(
      new ListObjectsV2Command({
        Bucket: 'e2e-results',
        Prefix: 'worker-results/',
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

beforeAll(async () => {
  dev = await startDev({ config: CONFIG });
});
afterAll(async () => {
  expect(await dev.stop()).toBe(0);
});

describe('queue-driven workers on stevedore dev', () => {
  it('300 messages into an idle queue: leaves zero, drains, returns to zero; nothing lost or redelivered', async () => {
    const queueUrl = dev.endpoints.queues['e2e-work'] as string;
    expect(await service('work')).toEqual({ desired: 0, running: 0 });

    for (let batch = 0; batch < 30; batch++) {
      await dev.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({
            Id: `m${i}`,
            MessageBody: JSON.stringify({ id: `msg-${batch * 10 + i}`, ms: 100 }),
          })),
        }),
      );
    }
    const sentAt = Date.now();

    await eventually(
      async () => ((await service('work')).desired > 0 ? true : undefined),
      30_000,
      'the service to leave zero',
    );
    const leftZeroAfter = Date.now() - sentAt;
    await eventually(
      async () => ((await results()).length === 300 ? true : undefined),
      120_000,
      '300 results',
    );
    await eventually(
      async () => {
        const s = await service('work');
        return s.desired === 0 && s.running === 0 ? true : undefined;
      },
      90_000,
      'the service to return to zero',
    );

    const { Attributes } = await dev.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    const keys = await results();
    expect(new Set(keys)).toEqual(
      new Set(Array.from({ length: 300 }, (_, i) => `worker-results/msg-${i}.json`)),
    );
    const receiveCounts = await Promise.all(
      keys.map(async (key) => {
        const object = await dev.s3.send(new GetObjectCommand({ Bucket: 'e2e-results', Key: key }));
        return (JSON.parse((await object.Body?.transformToString()) ?? '{}') as { receiveCount: number })
          .receiveCount;
      }),
    );
    expect(receiveCounts.filter((n) => n !== 1)).toEqual([]);
    expect(leftZeroAfter).toBeLessThan(15_000);

    const history = await runCli([
      'workers',
      'history',
      'work',
      '--state-dir',
      dev.stateDir,
      '--config',
      CONFIG,
      '--json',
    ]);
    const decisions = JSON.parse(history.stdout) as DecisionRecord[];
    const changes = decisions.filter((d) => d.change).reverse();
    expect(changes[0]?.previous).toBe(0);
    expect(changes.at(-1)?.desired).toBe(0);
    const status = await runCli(['workers', '--state-dir', dev.stateDir, '--config', CONFIG, '--json']);
    expect(JSON.parse(status.stdout)).toContainEqual(
      expect.objectContaining({
        name: 'work',
        queue: 'e2e-work',
        queueUrl,
        visible: 0,
        inFlight: 0,
        desired: 0,
        running: 0,
        protected: 0,
      }),
    );
  }, 300_000);

  it('a single one-off blip below the activation rule starts nothing', async () => {
    const queueUrl = dev.endpoints.queues['e2e-quiet'] as string;
    await dev.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ id: 'blip' }) }),
    );
    // Stevedore sees the message (the depth alarm's fast path or the tick) and holds at zero...
    const held = await eventually(
      async () => {
        const { lastDecision } = await dev.ledger.scaling.workerRecord('quiet', 'e2ew-local-quiet');
        return lastDecision?.observation.visible === 1 ? lastDecision : undefined;
      },
      15_000,
      'an observation of the blip',
    );
    expect(held).toMatchObject({ desired: 0, change: false });
    expect(held.reason).toMatch(/stay at zero until activation \([12] of 3 observations\)/);
    // ...then someone else takes it, long before a third observation (ticks are 5 s apart).
    const { Messages } = await dev.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    for (const message of Messages ?? []) {
      await dev.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    expect(Messages).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, 6000));

    expect(await service('quiet')).toEqual({ desired: 0, running: 0 });
    expect(await tasksEverStarted('quiet')).toBe(0);
    expect((await dev.ledger.scaling.workerRecord('quiet', 'e2ew-local-quiet')).lastDecision?.reason).toMatch(
      /: idle: /,
    );
  }, 60_000);
});
