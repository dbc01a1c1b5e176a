import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient, waitUntilTableNotExists } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ensureLedgerTable } from '@stevedore/aws';
import { isTerminal } from '@stevedore/core/job';
import type { DeadLetteredEvent } from '@stevedore/core/ports';
import { afterAll, describe, expect, it } from 'vitest';
import { type DevProcess, eventually, jobsOf, runCli, startDev } from '../support/dev-process';

/*
 * Backfill and redrive on `stevedore dev`, as an operator runs them. Fifty photos land in a bucket no
 * pipeline watches yet; the runtime restarts with the `photos` pipeline; `pipelines backfill` gives
 * each a job (and a second run none). Then a real fault: the ledger table is deleted, an upload's
 * event fails all its deliveries and lands in dead-letters.jsonl; `dead-letters redrive` keeps it
 * while the table is missing and delivers it once the table is back.
 */

const CONFIG = 'test/e2e/configs/backfill.config.ts';
const BUCKET = 'e2e-backfill';
const WITH_PIPELINE = { E2E_BACKFILL_PIPELINE: '1' };
const stateDir = mkdtempSync(join(tmpdir(), 'stevedore-e2e-backfill-'));
let dev: DevProcess | undefined;

afterAll(async () => {
  await dev?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  runCli([...args, '--config', CONFIG, '--state-dir', stateDir], WITH_PIPELINE);

async function put(running: DevProcess, key: string, body: string): Promise<void> {
  await running.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

describe('stevedore pipelines backfill and dead-letters redrive', () => {
  it('backfills the 50 photos already in the bucket, then none; a dead-lettered upload is redriven once the fault is fixed', async () => {
    // Objects before the pipeline: 50 photos, and three its rule does not select.
    const before = await startDev({ config: CONFIG, stateDir });
    const photos = Array.from({ length: 50 }, (_, i) => `photos/${String(i).padStart(2, '0')}.jpg`);
    for (const key of photos) await put(before, key, `photo ${key}`);
    for (const key of ['photos/readme.txt', 'other/x.jpg', 'photos.jpg'])
      await put(before, key, 'not selected');
    expect(await before.stop()).toBe(0);

    // The pipeline is added; --tick 3600 keeps the sweeper out of the way (it would dead-letter too).
    dev = await startDev({ config: CONFIG, stateDir, env: WITH_PIPELINE, tickSeconds: 3600 });
    const running = dev;
    expect(await jobsOf(running, 'photos')).toEqual([]);

    const dry = await cli('pipelines', 'backfill', 'photos', '--dry-run');
    const first = await cli('pipelines', 'backfill', 'photos', '--json');
    const finished = await eventually(
      async () => {
        const jobs = await jobsOf(running, 'photos');
        return jobs.length === 50 && jobs.every((job) => isTerminal(job.state)) ? jobs : undefined;
      },
      120_000,
      'the 50 backfilled jobs to finish',
    );
    const second = await cli('pipelines', 'backfill', 'photos', '--json');

    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain('would create 50 jobs; listed 51, matched 50, already had a job 0');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      listed: 51,
      matched: 50,
      created: 50,
      alreadyHadJob: 0,
    });
    expect(first.stderr).toContain('50 objects: 50 created, 0 had a job, 51 listed');
    expect(finished.map((job) => job.input.S3_KEY).sort()).toEqual(photos);
    expect(finished.every((job) => job.state === 'SUCCEEDED')).toBe(true);
    expect(JSON.parse(second.stdout)).toMatchObject({ matched: 50, created: 0, alreadyHadJob: 50 });
    expect(await jobsOf(running, 'photos')).toHaveLength(50);

    // A fault: the ledger table is gone. The upload's event fails every delivery and is dead-lettered.
    const dynamo = new DynamoDBClient({
      endpoint: running.endpoints.dynamodb,
      region: running.endpoints.region,
      credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' },
    });
    await dynamo.send(new DeleteTableCommand({ TableName: running.endpoints.table }));
    await waitUntilTableNotExists(
      { client: dynamo, maxWaitTime: 30 },
      { TableName: running.endpoints.table },
    );
    await put(running, 'photos/late.jpg', 'uploaded during the fault');
    const deadLetters = join(stateDir, 'dead-letters.jsonl');
    await eventually(
      async () =>
        existsSync(deadLetters) && readFileSync(deadLetters, 'utf8').trim() !== '' ? true : undefined,
      30_000,
      'the upload to be dead-lettered',
    );
    const [letter, ...others] = JSON.parse(
      (await cli('dead-letters', 'list', '--json')).stdout,
    ) as DeadLetteredEvent[];
    const table = await cli('dead-letters', 'list');
    const whileBroken = await cli('dead-letters', 'redrive', '--json');
    const [kept] = JSON.parse((await cli('dead-letters', 'list', '--json')).stdout) as DeadLetteredEvent[];
    await ensureLedgerTable(dynamo, running.endpoints.table);
    const fixed = await cli('dead-letters', 'redrive', '--id', letter?.id ?? '');
    const after = await cli('dead-letters', 'list', '--json');

    expect(others).toEqual([]);
    expect(letter).toMatchObject({ handler: 'object-created', target: 'pipeline-photos', attempts: 3 });
    expect(letter?.error).toContain('ResourceNotFoundException');
    expect(table.stdout).toMatch(/^ID +HANDLER +DEAD-LETTERED +ATTEMPTS +ERROR/);
    expect(table.stdout).toContain('object-created');
    expect(whileBroken.code).toBe(1);
    expect(JSON.parse(whileBroken.stdout)).toMatchObject({ delivered: 0, failed: 1 });
    expect(kept).toMatchObject({ id: letter?.id, attempts: 4 });
    expect(kept?.error).toContain('ResourceNotFoundException');
    expect(fixed).toMatchObject({ code: 0 });
    expect(fixed.stdout).toContain('redrove 1: 1 delivered and removed, 0 failed again and kept');
    expect(JSON.parse(after.stdout)).toEqual([]);
    const late = await eventually(
      async () => {
        const jobs = await jobsOf(running, 'photos');
        return jobs.find((job) => job.input.S3_KEY === 'photos/late.jpg' && job.state === 'SUCCEEDED');
      },
      60_000,
      'the redriven upload’s job to succeed',
    );
    expect(late.attempt).toBe(1);
    dynamo.destroy();
    // Two starts of the runtime and a dozen CLI runs (each a fresh node with tsx): more than the default.
  }, 360_000);

  it('names an unknown pipeline and the valid ones', async () => {
    const result = await cli('pipelines', 'backfill', 'videos');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('stevedore: no pipeline "videos" in the config (pipelines: photos)\n');
  });
});
