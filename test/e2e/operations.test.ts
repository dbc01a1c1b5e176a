import { ListTasksCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { isTerminal, type Job } from '@stevedore/core/job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevProcess, eventually, jobsOf, runCli, startDev } from '../support/dev-process';

/*
 * Operating jobs on `stevedore dev` through the CLI, as a user would: cancel a waiting and a running
 * job (no attempt 2, task stopped, slot freed), retry a FAILED job to SUCCEEDED, submit a job for an
 * object already in the bucket.
 */

const CONFIG = 'test/e2e/configs/operations.config.ts';
const BUCKET = 'e2e-ops';

let dev: DevProcess;
beforeAll(async () => {
  dev = await startDev({ config: CONFIG });
});
afterAll(async () => {
  expect(await dev.stop()).toBe(0);
});

async function upload(key: string, body = 'x'): Promise<void> {
  await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** A CLI command on this runtime; its JSON output parsed. */
async function cli(
  args: string[],
): Promise<{ code: number | null; json: Record<string, unknown>; stderr: string }> {
  const { code, stdout, stderr } = await runCli([...args, '--state-dir', dev.stateDir, '--config', CONFIG]);
  return { code, json: code === 0 && stdout.trim().startsWith('{') ? JSON.parse(stdout) : {}, stderr };
}

async function jobFor(source: string, key: string, state?: Job['state']): Promise<Job> {
  return eventually(
    async () =>
      (await jobsOf(dev, source)).find((j) => j.input.S3_KEY === key && (!state || j.state === state)),
    60_000,
    `a ${state ?? ''} job of ${source} for ${key}`,
  );
}

async function jobNow(jobId: string): Promise<Job | undefined> {
  return dev.ledger.jobs.getJob(jobId);
}

async function finished(jobId: string): Promise<Job> {
  return eventually(
    async () => {
      const job = await jobNow(jobId);
      return job && isTerminal(job.state) ? job : undefined;
    },
    60_000,
    `job ${jobId} to finish`,
  );
}

async function tasksOf(jobId: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<string[]> {
  const page = await dev.ecs.send(
    new ListTasksCommand({ cluster: dev.endpoints.cluster, startedBy: jobId, desiredStatus }),
  );
  return page.taskArns ?? [];
}

describe('jobs cancel', () => {
  it('cancels a waiting job at once and a running one when its task stops: no attempt 2, slot freed', async () => {
    await upload('held/first');
    const running = await jobFor('held', 'held/first', 'RUNNING');
    await upload('held/second');
    const waiting = await jobFor('held', 'held/second', 'SUBMITTED');

    const cancelWaiting = await cli(['jobs', 'cancel', waiting.jobId, '--json']);
    const cancelRunning = await cli(['jobs', 'cancel', running.jobId, '--reason', 'wrong input', '--json']);
    const ended = await finished(running.jobId);

    expect(cancelWaiting).toMatchObject({ code: 0, json: { outcome: 'cancelled', state: 'CANCELLED' } });
    expect(cancelRunning).toMatchObject({ code: 0, json: { outcome: 'stopping' } });
    expect(ended).toMatchObject({ state: 'CANCELLED', attempt: 1, cancelRequested: 'wrong input' });
    expect(Object.keys(ended.attempts)).toEqual(['1']);
    expect(await jobNow(waiting.jobId)).toMatchObject({ state: 'CANCELLED', attempts: {} });
    expect(await tasksOf(running.jobId, 'RUNNING')).toEqual([]);
    expect(await tasksOf(running.jobId, 'STOPPED')).toHaveLength(1);
    expect(await tasksOf(waiting.jobId, 'STOPPED')).toEqual([]);
    expect(await dev.ledger.slots.slotHolders('held')).toEqual({});
  });

  it('refuses a finished job with one line naming its state, and names an unknown job', async () => {
    const [job] = (await jobsOf(dev, 'held')).filter((j) => j.state === 'CANCELLED');

    const again = await cli(['jobs', 'cancel', job?.jobId ?? '']);
    const unknown = await cli(['jobs', 'cancel', 'held-00000000000000000000']);

    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `stevedore: job ${job?.jobId} is already CANCELLED: only SUBMITTED, STARTING or RUNNING jobs can be cancelled\n`,
    );
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'stevedore: no job held-00000000000000000000 (see stevedore jobs list)\n',
    });
  });
});

describe('jobs retry', () => {
  it('retries a FAILED job as a new job that SUCCEEDS, linked both ways', async () => {
    await upload('flaky/report.csv');
    const failed = await jobFor('flaky', 'flaky/report.csv', 'FAILED');
    await upload('markers/ok'); // what was missing is fixed

    const retry = await cli(['jobs', 'retry', failed.jobId, '--json']);
    const retriedAs = String(retry.json.retriedAs);
    const succeeded = await finished(retriedAs);

    expect(retry).toMatchObject({ code: 0, json: { created: true, job: { retryOf: failed.jobId } } });
    expect(succeeded).toMatchObject({ state: 'SUCCEEDED', retryOf: failed.jobId, input: failed.input });
    expect(await jobNow(failed.jobId)).toMatchObject({ state: 'FAILED', retriedBy: retriedAs });
    expect(await cli(['jobs', 'retry', failed.jobId, '--json'])).toMatchObject({
      code: 0,
      json: { created: false, retriedAs },
    });
  });
});

describe('jobs submit', () => {
  it('runs a pipeline for an object already in the bucket, once unless --again', async () => {
    // Under no pipeline's prefix: no job is made for its upload.
    await upload('archive/2025.csv', 'old data');

    const submitted = await cli([
      'jobs',
      'submit',
      '--pipeline',
      'manual',
      '--bucket',
      BUCKET,
      '--key',
      'archive/2025.csv',
      '--json',
    ]);
    const jobId = String(submitted.json.jobId);
    const done = await finished(jobId);
    const twice = await cli([
      'jobs',
      'submit',
      '--pipeline',
      'manual',
      '--bucket',
      BUCKET,
      '--key',
      'archive/2025.csv',
      '--json',
    ]);

    expect(submitted).toMatchObject({ code: 0, json: { created: true } });
    expect(done).toMatchObject({
      state: 'SUCCEEDED',
      input: {
        S3_BUCKET: BUCKET,
        S3_KEY: 'archive/2025.csv',
        S3_SIZE: String(Buffer.byteLength('old data')),
      },
    });
    expect(twice).toMatchObject({ code: 0, json: { created: false, jobId } });
  });

  it('names a missing object and an unknown pipeline in one line', async () => {
    const missing = await cli([
      'jobs',
      'submit',
      '--pipeline',
      'manual',
      '--bucket',
      BUCKET,
      '--key',
      'archive/none.csv',
    ]);
    const unknown = await cli(['jobs', 'submit', '--pipeline', 'nope', '--bucket', BUCKET, '--key', 'x']);

    expect(missing).toMatchObject({
      code: 1,
      stderr: `stevedore: no object s3://${BUCKET}/archive/none.csv\n`,
    });
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'stevedore: no pipeline "nope" in the config (pipelines: held, flaky, manual)\n',
    });
  });
});

describe('jobs submit --task and jobs cancel --pipeline', () => {
  it('runs a task with an env override under the pipeline that runs it; a bulk cancel asks, then ends it', async () => {
    // hang.ts records its pid in S3_BUCKET: a task job has no object, so the override names the bucket.
    const env = ['--env', 'MODE=manual', '--env', `S3_BUCKET=${BUCKET}`];
    const submitted = await cli(['jobs', 'submit', '--task', 'hang', ...env, '--json']);
    const jobId = String(submitted.json.jobId);
    await eventually(
      async () => ((await jobNow(jobId))?.state === 'RUNNING' ? true : undefined),
      60_000,
      `${jobId} RUNNING`,
    );

    const unconfirmed = await cli(['jobs', 'cancel', '--pipeline', 'held']);
    const cancelled = await cli(['jobs', 'cancel', '--pipeline', 'held', '--yes', '--json']);
    const ended = await finished(jobId);

    expect(submitted).toMatchObject({
      code: 0,
      json: {
        created: true,
        job: { kind: 'manual', source: 'held', task: 'hang', input: { MODE: 'manual' } },
      },
    });
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('Pass --yes to confirm');
    expect(cancelled).toMatchObject({
      code: 0,
      json: { source: 'held', results: [{ jobId, outcome: 'stopping' }] },
    });
    expect(ended).toMatchObject({ state: 'CANCELLED', attempt: 1 });
    expect(await dev.ledger.slots.slotHolders('held')).toEqual({});
  });
});
