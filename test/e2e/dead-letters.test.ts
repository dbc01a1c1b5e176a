import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevProcess, eventually, runCli, startDev } from '../support/dev-process';

/*
 * Poison messages on `stevedore dev`, as issue 18 describes them: 50 valid and 10 poison messages (JSON
 * without an id) to the example worker. The 50 are processed, the 10 end in the queue's dead-letter
 * queue after maxReceiveCount (5) receives each, and the service returns to zero; `workers` shows the
 * DLQ's depth; a redrive moves them back, and being poison they return to the DLQ.
 */

const CONFIG = 'test/e2e/configs/dead-letters.config.ts';
const QUEUE = 'e2e-dl-work';
const DLQ = 'e2e-dl-work-dlq';
const MAX_RECEIVES = 5;

let dev: DevProcess;
const cli = (...args: string[]) => runCli([...args, '--state-dir', dev.stateDir, '--config', CONFIG]);

async function service() {
  const { services } = await dev.ecs.send(
    new DescribeServicesCommand({ cluster: dev.endpoints.cluster, services: ['e2edl-local-work'] }),
  );
  return { desired: services?.[0]?.desiredCount ?? -1, running: services?.[0]?.runningCount ?? -1 };
}

async function depth(queue: string) {
  const { Attributes = {} } = await dev.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: dev.endpoints.queues[queue],
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

async function resultCount(): Promise<number> {
  const page = await dev.s3.send(
    new ListObjectsV2Command({ Bucket: 'e2e-dl-results', Prefix: 'worker-results/' }),
  );
  return page.KeyCount ?? 0;
}

/** How often the workers' logs say each of these messages failed (one line per failed receive). */
function failuresOf(messageIds: readonly string[]): number[] {
  const logDir = join(dev.stateDir, 'logs');
  const text = readdirSync(logDir)
    .map((file) => readFileSync(join(logDir, file), 'utf8'))
    .join('\n');
  return messageIds.map((id) => text.split(`"message ${id} failed: `).length - 1);
}

async function toZero(what: string) {
  await eventually(
    async () => {
      const s = await service();
      return s.desired === 0 && s.running === 0 ? true : undefined;
    },
    120_000,
    what,
  );
}

async function deadLettersToBe(count: number, what: string) {
  await eventually(
    async () => {
      const [dlq, queue] = await Promise.all([depth(DLQ), depth(QUEUE)]);
      return dlq.visible + dlq.inFlight === count && queue.visible + queue.inFlight === 0 ? true : undefined;
    },
    120_000,
    what,
  );
}

beforeAll(async () => {
  dev = await startDev({ config: CONFIG });
});
afterAll(async () => {
  expect(await dev.stop()).toBe(0);
});

describe('poison messages on stevedore dev', () => {
  it('50 valid and 10 poison: the 50 are done, the 10 reach the DLQ after 5 receives, the service returns to zero; redrive sends them round again', async () => {
    const bodies = [
      ...Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: `ok-${i}`, ms: 50 })),
      ...Array.from({ length: 10 }, (_, i) => JSON.stringify({ ms: 10, poison: i })),
    ];
    const poisonIds: string[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const { Successful = [] } = await dev.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: dev.endpoints.queues[QUEUE],
          Entries: bodies
            .slice(batch * 10, batch * 10 + 10)
            .map((body, i) => ({ Id: `m${i}`, MessageBody: body })),
        }),
      );
      if (batch === 5) poisonIds.push(...Successful.map((s) => s.MessageId ?? ''));
    }
    const sentAt = Date.now();

    await eventually(async () => ((await resultCount()) === 50 ? true : undefined), 120_000, '50 results');
    await deadLettersToBe(10, 'the 10 poison messages in the DLQ');
    const inDeadLettersAfter = Date.now() - sentAt;
    await toZero('the service to return to zero');
    const zeroAfter = Date.now() - sentAt;

    // Each poison message was received exactly maxReceiveCount times, and each failed receive logged why.
    expect(failuresOf(poisonIds)).toEqual(Array(10).fill(MAX_RECEIVES));
    expect(await resultCount()).toBe(50);

    const status = await cli('workers', '--json');
    expect(JSON.parse(status.stdout)).toContainEqual(
      expect.objectContaining({
        name: 'work',
        deadLetterQueue: DLQ,
        deadLetters: 10,
        visible: 0,
        desired: 0,
      }),
    );
    const table = await cli('workers');
    expect(table.stdout).toMatch(/DLQ/);
    expect(table.stdout).toContain(`warning: 10 messages in ${DLQ}, the dead-letter queue of worker work`);

    const listed = await cli('workers', 'dead-letters', 'work', '--json');
    expect(listed.code).toBe(0);
    const letters = JSON.parse(listed.stdout) as { id: string; bodyPreview: string; receiveCount: number }[];
    expect(new Set(letters.map((l) => l.id))).toEqual(new Set(poisonIds));
    expect(letters.map((l) => JSON.parse(l.bodyPreview).poison).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(letters.every((l) => l.receiveCount > MAX_RECEIVES)).toBe(true);
    // Looking takes nothing out.
    expect(await depth(DLQ)).toEqual({ visible: 10, inFlight: 0 });

    const redrive = await cli('workers', 'redrive', 'work');
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toContain(`redriven: 10 of 10 messages moved from ${DLQ} to ${QUEUE}`);
    const redrivenAt = Date.now();

    // Poison stays poison: the service wakes up, fails them 5 times more each, and they are back.
    await eventually(
      async () => ((await service()).desired > 0 ? true : undefined),
      60_000,
      'the service to wake',
    );
    await deadLettersToBe(10, 'the redriven poison back in the DLQ');
    await toZero('the service to return to zero after the redrive');
    const backAfter = Date.now() - redrivenAt;
    const again = JSON.parse((await cli('workers', 'dead-letters', 'work', '--json')).stdout) as {
      id: string;
    }[];
    expect(again).toHaveLength(10);
    // Redriven messages are new messages (as on AWS): new ids.
    expect(again.filter((l) => poisonIds.includes(l.id))).toEqual([]);
    expect(await resultCount()).toBe(50);

    console.log(
      `dead letters e2e: 10 poison in the DLQ ${inDeadLettersAfter} ms after sending, service at zero after ${zeroAfter} ms; after redrive, back in the DLQ and at zero after ${backAfter} ms`,
    );
  }, 480_000);
});
