import { cancelJob, type ObjectHead, type ObjectHeads, submitObject, submitTask } from '@stevedore/control';
import { type Config, parseConfig } from '@stevedore/core/config';
import { describe, expect, it } from 'vitest';
import { jobWorldForFile, requestOf } from '../../support/job-harness';

/*
 * Submit (packages/control/src/operations/submit.ts) through the real ledger and the local ECS
 * endpoint. The bucket is a map here: the S3 adapter (HeadObject) is run by the e2e test on
 * `stevedore dev`.
 */

const TASK = { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/sweeptest:1', cpu: 256, memory: 512 };

const CONFIG: Config = parseConfig({
  app: 'sweeptest',
  tasks: { sleep: TASK, succeed: TASK, fail: TASK },
  pipelines: { slow: { bucket: 'uploads', prefix: 'incoming/', task: 'sleep', env: { MODE: 'pipeline' } } },
  schedules: { nightly: { expression: 'cron(0 3 * * ? *)', task: 'sleep', timeout: 120 } },
});

const world = jobWorldForFile();

function bucket(objects: Record<string, ObjectHead>): ObjectHeads {
  return { headObject: async (b, key) => (b === 'uploads' ? objects[key] : undefined) };
}

describe('submit for an object in the bucket', () => {
  it('runs the pipeline on its current version; submitting again is the same job unless asked', async () => {
    const { deps } = await world.harness(CONFIG);
    const heads = bucket({
      'incoming/cat.jpg': { size: 2048, etag: 'd41d8cd98f00b204e9800998ecf8427e', versionId: 'v1' },
    });
    const request = { pipeline: 'slow', bucket: 'uploads', key: 'incoming/cat.jpg' };

    const first = await submitObject(deps, heads, request);
    const twice = await submitObject(deps, heads, request);
    const again = await submitObject(deps, heads, { ...request, again: true });

    expect(first).toMatchObject({
      created: true,
      launch: 'launched',
      job: {
        kind: 'pipeline',
        source: 'slow',
        state: 'STARTING',
        input: {
          S3_BUCKET: 'uploads',
          S3_KEY: 'incoming/cat.jpg',
          S3_SIZE: '2048',
          S3_VERSION_ID: 'v1',
          S3_ETAG: 'd41d8cd98f00b204e9800998ecf8427e',
        },
      },
    });
    expect(twice).toMatchObject({ created: false, job: { jobId: first.job.jobId } });
    expect(again.created).toBe(true);
    expect(again.job.jobId).not.toBe(first.job.jobId);
    expect(world.tasksOf(first.job.jobId)).toHaveLength(1);
    expect(requestOf(deps, first.job).env).toMatchObject({ S3_KEY: 'incoming/cat.jpg', MODE: 'pipeline' });
    await cancelJob(deps, first.job.jobId);
    await cancelJob(deps, again.job.jobId);
  });

  it('names a missing object, another bucket and an unknown pipeline', async () => {
    const { deps } = await world.harness(CONFIG);
    const heads = bucket({});

    await expect(
      submitObject(deps, heads, { pipeline: 'slow', bucket: 'uploads', key: 'incoming/none.jpg' }),
    ).rejects.toThrow('no object s3://uploads/incoming/none.jpg');
    await expect(submitObject(deps, heads, { pipeline: 'slow', bucket: 'other', key: 'a' })).rejects.toThrow(
      'pipeline slow watches bucket uploads, not other',
    );
    await expect(
      submitObject(deps, heads, { pipeline: 'nightly', bucket: 'uploads', key: 'a' }),
    ).rejects.toThrow('no pipeline "nightly" in the config (pipelines: slow)');
  });
});

describe('submit for a task with an environment override', () => {
  it('runs under the schedule that runs the task, as a manual job, once per task and env', async () => {
    const { deps } = await world.harness(CONFIG);

    const first = await submitTask(deps, { task: 'sleep', env: { DATE: '2026-01-01', FULL: '1' } });
    const reordered = await submitTask(deps, { task: 'sleep', env: { FULL: '1', DATE: '2026-01-01' } });
    const again = await submitTask(deps, {
      task: 'sleep',
      env: { DATE: '2026-01-01', FULL: '1' },
      again: true,
    });

    expect(first).toMatchObject({
      created: true,
      launch: 'launched',
      job: {
        kind: 'manual',
        source: 'nightly',
        task: 'sleep',
        timeoutSeconds: 120,
        input: { DATE: '2026-01-01', FULL: '1' },
      },
    });
    expect(reordered).toMatchObject({ created: false, job: { jobId: first.job.jobId } });
    expect(again.job.jobId).not.toBe(first.job.jobId);
    expect(world.tasksOf(first.job.jobId)).toHaveLength(1);
    expect(requestOf(deps, first.job).env).toMatchObject({ DATE: '2026-01-01', FULL: '1' });
    await cancelJob(deps, first.job.jobId);
    await cancelJob(deps, again.job.jobId);
  });

  it('names an unknown task, a task nothing runs, and a reserved variable', async () => {
    const { deps } = await world.harness(CONFIG);

    await expect(submitTask(deps, { task: 'nope' })).rejects.toThrow(
      'no task "nope" in the config (tasks: sleep, succeed, fail)',
    );
    await expect(submitTask(deps, { task: 'succeed' })).rejects.toThrow(
      'task succeed is run by no pipeline or schedule, so it has no retry rules or timeout to run with (tasks that are: sleep)',
    );
    await expect(submitTask(deps, { task: 'sleep', env: { STEVEDORE_JOB_ID: 'x' } })).rejects.toThrow(
      'cannot set "STEVEDORE_JOB_ID": expected a name like MY_VAR, not STEVEDORE_*',
    );
  });
});
