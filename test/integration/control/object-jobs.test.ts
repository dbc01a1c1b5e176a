import { randomUUID } from 'node:crypto';
import { type HandlerDeps, parseOrReject } from '@stevedore/control';
import { type Config, parseConfig } from '@stevedore/core/config';
import { type Job, objectJob } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { objectCreated } from '../../../functions/object-created';
import { loadEvent } from '../../support/fixtures';
import { jobWorldForFile, policyOf } from '../../support/job-harness';

/*
 * An object lands in a bucket (packages/control/src/jobs/object-jobs.ts), through the object-created
 * function: S3 "Object Created" events (the real AWS sample, with bucket and key changed) against
 * DynamoDB Local and the local ECS endpoint, which runs each job's task as a process. What a user
 * sees: which pipelines got a job, the task each job started, and what that task finds in its env.
 */

const TASK = { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/sweeptest:1', cpu: 256, memory: 512 };

/** Four pipelines on `media-uploads`: a .jpg under incoming/ matches `thumbnails` and `archive` only. */
const CONFIG: Config = parseConfig({
  app: 'sweeptest',
  tasks: { succeed: TASK },
  pipelines: {
    thumbnails: {
      bucket: 'media-uploads',
      prefix: 'incoming/',
      suffix: '.jpg',
      task: 'succeed',
      env: { SIZES: '64,256' },
    },
    archive: { bucket: 'media-uploads', task: 'succeed' },
    videos: { bucket: 'media-uploads', prefix: 'videos/', task: 'succeed' },
    large: { bucket: 'media-uploads', minSize: 1024 * 1024, task: 'succeed' },
  },
});

/** What the fixture says of its object, besides bucket and key. */
const FIXTURE_OBJECT = {
  S3_VERSION_ID: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
  S3_SIZE: '5',
  S3_ETAG: 'b1946ac92492d2347c6235b4d2611184',
};

const world = jobWorldForFile();

/** The AWS sample event for an object uploaded to `media-uploads` under a fresh key (so a fresh job). */
function upload(key = `incoming/${randomUUID()}.jpg`): { event: Record<string, unknown>; key: string } {
  const event = loadEvent('s3', 'object-created');
  const detail = event.detail as { bucket: { name: string }; object: { key: string } };
  detail.bucket.name = 'media-uploads';
  detail.object.key = key;
  event.resources = ['arn:aws:s3:::media-uploads'];
  return { event, key };
}

async function jobsIn(deps: HandlerDeps): Promise<Job[]> {
  return (await deps.jobs.listJobs({ limit: 100 })).jobs;
}

/** The environment ECS holds for the task: what its container was started with. */
async function envOf(deps: HandlerDeps, taskArn: string): Promise<Record<string, string>> {
  const { tasks } = await deps.launcher.describeTasks([taskArn]);
  const [task] = tasks;
  if (!task) throw new Error(`ECS does not know ${taskArn}`);
  return task.overrideEnv;
}

describe('an object lands in a watched bucket', () => {
  it('starts one job and one task per matching pipeline, the object and the pipeline’s env in the task’s environment', async () => {
    const { deps } = await world.harness(CONFIG);
    const { event, key } = upload();

    await objectCreated(deps)(event);

    const jobs = await jobsIn(deps);
    expect(jobs.map((job) => job.source).sort()).toEqual(['archive', 'thumbnails']);
    for (const job of jobs) {
      const tasks = world.tasksOf(job.jobId);
      expect(tasks).toHaveLength(1);
      expect(job).toMatchObject({ attempt: 1, taskArn: tasks[0]?.taskArn });
      expect(await envOf(deps, job.taskArn ?? '')).toEqual({
        ...(job.source === 'thumbnails' ? { SIZES: '64,256' } : {}),
        S3_BUCKET: 'media-uploads',
        S3_KEY: key,
        ...FIXTURE_OBJECT,
        STEVEDORE_JOB_ID: job.jobId,
        STEVEDORE_ATTEMPT: '1',
      });
    }
  });

  it('the same event delivered again, after the first or at the same time, is the same jobs: no second task', async () => {
    const { deps } = await world.harness(CONFIG);
    const handler = objectCreated(deps);
    const { event } = upload();
    const { event: concurrent } = upload();

    await handler(event);
    await handler(structuredClone(event));
    await Promise.all([handler(concurrent), handler(structuredClone(concurrent))]);

    const jobs = await jobsIn(deps);
    expect(jobs).toHaveLength(4);
    for (const job of jobs) {
      expect(world.tasksOf(job.jobId).map((task) => task.taskArn)).toEqual([job.taskArn]);
    }
  });

  it('a redelivery launches the job the first delivery recorded but died before launching', async () => {
    const { deps, clock } = await world.harness(CONFIG);
    const { event, key } = upload();
    const sequencer = (event.detail as { object: { sequencer: string } }).object.sequencer;
    const recorded = objectJob(
      policyOf(deps, 'archive').source,
      { bucket: 'media-uploads', key, size: 5, sequencer },
      clock.now(),
    );
    await deps.jobs.createJob(recorded);

    await objectCreated(deps)(event);

    const job = await deps.jobs.getJob(recorded.jobId);
    const tasks = world.tasksOf(recorded.jobId);
    expect(tasks).toHaveLength(1);
    expect(job).toMatchObject({
      jobId: recorded.jobId,
      createdAt: recorded.createdAt,
      taskArn: tasks[0]?.taskArn,
    });
    expect((await jobsIn(deps)).map((j) => j.source).sort()).toEqual(['archive', 'thumbnails']);
  });
});

describe('events that start nothing', () => {
  it('an object in a bucket no pipeline watches (the AWS sample as is) records no job and starts no task', async () => {
    const { deps } = await world.harness(CONFIG);
    const tasksBefore = world.ecs.tasks().length;

    await objectCreated(deps)(loadEvent('s3', 'object-created'));

    expect(await jobsIn(deps)).toEqual([]);
    expect(world.ecs.tasks()).toHaveLength(tasksBefore);
  });

  it('an object under a prefix with no pipeline of its own only gets the catch-all pipeline’s job', async () => {
    const { deps } = await world.harness(CONFIG);

    await objectCreated(deps)(upload(`notes/${randomUUID()}.txt`).event);

    expect((await jobsIn(deps)).map((job) => job.source)).toEqual(['archive']);
  });

  it('a malformed event is logged with what is wrong, and nothing is recorded or started', async () => {
    const { deps } = await world.harness(CONFIG);
    const { event } = upload();
    delete (event.detail as { object: Record<string, unknown> }).object.sequencer;
    const tasksBefore = world.ecs.tasks().length;

    await objectCreated(deps)(event);

    expect(world.takeErrors()).toEqual([
      {
        message: 'rejected malformed event',
        fields: {
          handler: 'object-created',
          source: 'S3 Object Created',
          problems: [expect.stringMatching(/^detail\.object\.sequencer: /)],
        },
      },
    ]);
    expect(await jobsIn(deps)).toEqual([]);
    expect(world.ecs.tasks()).toHaveLength(tasksBefore);
  });

  it.each([
    [
      '1,025 UTF-8 bytes in 519 UTF-16 units',
      `incoming/${'é'.repeat(506)}.jpg`,
      /at most 1024 bytes in UTF-8, not 1025$/,
    ],
    ['a NUL character', 'incoming/a\u0000b.jpg', /a NUL character/],
    ['a lone surrogate', 'incoming/\uD83D.jpg', /a lone surrogate/],
  ])('an object whose key has %s is refused: no job, no task', async (_what, key, problem) => {
    const { deps } = await world.harness(CONFIG);
    const { event } = upload(key);
    const tasksBefore = world.ecs.tasks().length;

    await objectCreated(deps)(event);

    expect(world.takeErrors()).toEqual([
      {
        message: 'rejected malformed event',
        fields: {
          handler: 'object-created',
          source: 'S3 Object Created',
          problems: [expect.stringMatching(new RegExp(`^detail\\.object\\.key: .*${problem.source}`))],
        },
      },
    ]);
    expect(await jobsIn(deps)).toEqual([]);
    expect(world.ecs.tasks()).toHaveLength(tasksBefore);
  });

  it('parseOrReject throws any other error, so Lambda retries it, and logs nothing', async () => {
    const { deps } = await world.harness(CONFIG);
    const failure = new TypeError('Cannot read properties of undefined');

    const parse = () =>
      parseOrReject(deps, 'object-created', () => {
        throw failure;
      });

    expect(parse).toThrow(failure);
    expect(world.takeErrors()).toEqual([]);
  });
});
