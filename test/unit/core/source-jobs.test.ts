import { type JobSource, jobSource, parseConfig } from '@stevedore/core/config';
import { parseObjectCreated } from '@stevedore/core/events';
import {
  type CreatedObjectFacts,
  endedBeforeStart,
  type Job,
  objectInput,
  objectJob,
  s3JobId,
  scheduledJobId,
  scheduleRunJob,
} from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../support/fixtures';

/*
 * The jobs a pipeline or a schedule starts, and the environment their tasks read: the contract
 * between Stevedore and a task program. Objects come from the real S3 "Object Created" fixture.
 */

const CONFIG = parseConfig({
  tasks: {
    resize: { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/resize:1', cpu: 256, memory: 512 },
    report: { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/report:1', cpu: 512, memory: 1024 },
  },
  pipelines: {
    thumbnails: { bucket: 'media-uploads', task: 'resize', timeout: 900, retry: { attempts: 4 } },
    archive: { bucket: 'media-uploads', task: 'resize' },
  },
  schedules: {
    nightly: { expression: 'cron(0 3 * * ? *)', task: 'report', timeout: 7200, retry: { attempts: 2 } },
  },
});

function sourceOf(name: string): JobSource {
  const source = jobSource(CONFIG, name);
  if (!source) throw new Error(`no source ${name} in the test config`);
  return source;
}

/** The object of the real fixture, as the object-created handler reads it (with `changes` applied). */
function fixtureObject(changes: Record<string, unknown> = {}): CreatedObjectFacts {
  const event = loadEvent('s3', 'object-created');
  const detail = event.detail as { object: Record<string, unknown> };
  Object.assign(detail.object, changes);
  for (const [field, value] of Object.entries(changes)) if (value === undefined) delete detail.object[field];
  const { bucket, object } = parseObjectCreated(event).detail;
  return {
    bucket: bucket.name,
    key: object.key,
    size: object.size,
    sequencer: object.sequencer,
    versionId: object['version-id'],
    etag: object.etag,
  };
}

const NOW = new Date('2026-03-01T10:00:00.000Z');
const LATER = new Date('2026-03-01T10:05:00.000Z');

describe('objectInput: what an S3 job’s task finds in its environment', () => {
  it.each([
    {
      case: 'a versioned object: every field as S3 reported it',
      object: fixtureObject(),
      env: {
        S3_BUCKET: 'DOC-EXAMPLE-BUCKET1',
        S3_KEY: 'example-key',
        S3_VERSION_ID: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        S3_SIZE: '5',
        S3_ETAG: 'b1946ac92492d2347c6235b4d2611184',
      },
    },
    {
      case: 'an object of an unversioned bucket, no etag: empty strings, never "undefined"',
      object: fixtureObject({ 'version-id': undefined, etag: undefined }),
      env: {
        S3_BUCKET: 'DOC-EXAMPLE-BUCKET1',
        S3_KEY: 'example-key',
        S3_VERSION_ID: '',
        S3_SIZE: '5',
        S3_ETAG: '',
      },
    },
    {
      case: 'a raw key with spaces and slashes, an empty object: passed through as they are',
      object: fixtureObject({ key: 'incoming/My Photos/cat (1).jpg', size: 0 }),
      env: {
        S3_BUCKET: 'DOC-EXAMPLE-BUCKET1',
        S3_KEY: 'incoming/My Photos/cat (1).jpg',
        S3_VERSION_ID: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        S3_SIZE: '0',
        S3_ETAG: 'b1946ac92492d2347c6235b4d2611184',
      },
    },
  ])('$case', ({ object, env }) => {
    expect(objectInput(object)).toEqual(env);
  });
});

describe('objectJob: one job per pipeline and object version', () => {
  const object = fixtureObject({ key: 'incoming/cat.jpg' });

  it('is a fresh SUBMITTED first attempt with the pipeline’s task, limits and the object as input', () => {
    const job = objectJob(sourceOf('thumbnails'), object, NOW);

    expect(job).toEqual({
      jobId: s3JobId('thumbnails', 'DOC-EXAMPLE-BUCKET1', 'incoming/cat.jpg', '617f08299329d189'),
      kind: 'pipeline',
      source: 'thumbnails',
      task: 'resize',
      state: 'SUBMITTED',
      attempt: 1,
      maxAttempts: 4,
      timeoutSeconds: 900,
      input: objectInput(object),
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      launchFailures: 0,
      taskVersion: 0,
      attempts: {},
      history: [{ at: NOW.toISOString(), state: 'SUBMITTED', attempt: 1 }],
    });
  });

  it.each([
    {
      case: 'the same event delivered again, later, is the same job',
      a: ['thumbnails', object],
      b: ['thumbnails', object],
      same: true,
    },
    {
      case: 'the object overwritten (a new sequencer) is a new job',
      a: ['thumbnails', object],
      b: ['thumbnails', { ...object, sequencer: '617f0829932a0000' }],
      same: false,
    },
    {
      case: 'another key in the same bucket is another job',
      a: ['thumbnails', object],
      b: ['thumbnails', { ...object, key: 'incoming/dog.jpg' }],
      same: false,
    },
    {
      case: 'the same object matched by two pipelines is one job for each',
      a: ['thumbnails', object],
      b: ['archive', object],
      same: false,
    },
  ] as const)('$case', ({ a, b, same }) => {
    const first = objectJob(sourceOf(a[0]), a[1], NOW);
    const second = objectJob(sourceOf(b[0]), b[1], LATER);

    expect(first.jobId === second.jobId).toBe(same);
    // The source comes first in the id: a task event finds its pipeline from startedBy alone.
    expect(second.jobId.startsWith(`${b[0]}-`)).toBe(true);
  });
});

describe('scheduleRunJob: one job per scheduled time of a schedule', () => {
  const source = sourceOf('nightly');

  it('tells its task which schedule and which due time it runs for', () => {
    const job = scheduleRunJob(source, '2026-03-01T03:00:00.000Z', NOW);

    expect(job).toMatchObject({
      jobId: scheduledJobId('nightly', '2026-03-01T03:00:00.000Z'),
      kind: 'schedule',
      source: 'nightly',
      task: 'report',
      state: 'SUBMITTED',
      attempt: 1,
      maxAttempts: 2,
      timeoutSeconds: 7200,
      input: { STEVEDORE_SCHEDULE: 'nightly', STEVEDORE_SCHEDULED_TIME: '2026-03-01T03:00:00.000Z' },
      createdAt: NOW.toISOString(),
    });
  });

  it.each([
    { case: 'a firing delivered again is the same run', times: ['2026-03-01T03:00:00.000Z'], ids: 1 },
    {
      case: 'two scheduled times are two runs',
      times: ['2026-03-01T03:00:00.000Z', '2026-03-02T03:00:00.000Z'],
      ids: 2,
    },
  ])('$case', ({ times, ids }) => {
    const jobs = times.flatMap((time) => [
      scheduleRunJob(source, time, NOW),
      scheduleRunJob(source, time, LATER),
    ]);

    expect(new Set(jobs.map((job) => job.jobId)).size).toBe(ids);
  });
});

describe('endedBeforeStart: a run that never started, recorded as ended', () => {
  const run = scheduleRunJob(sourceOf('nightly'), '2026-03-01T03:00:00.000Z', NOW);
  const at = '2026-03-01T03:00:01.000Z';

  it.each([
    { state: 'CANCELLED', reason: 'skipped: the previous run is still active' },
    { state: 'FAILED', reason: 'missed: no firing arrived' },
  ] as const)(
    '$state: ends with its reason, its history says when, and no task is on it',
    ({ state, reason }) => {
      const ended: Job = endedBeforeStart(run, state, reason, at);

      expect(ended).toMatchObject({
        jobId: run.jobId,
        state,
        reason,
        finishedAt: at,
        attempt: 1,
        attempts: {},
      });
      expect(ended.taskArn).toBeUndefined();
      expect(ended.history).toEqual([...run.history, { at, state, attempt: 1, reason }]);
      // The job it was built from is still the SUBMITTED run: a caller may record either.
      expect(run).toMatchObject({ state: 'SUBMITTED', history: [{ state: 'SUBMITTED' }] });
    },
  );
});
