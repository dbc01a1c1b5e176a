import {
  endedBeforeStart,
  JOB_EVENT_DETAIL_TYPE,
  JOB_EVENT_SOURCE,
  type Job,
  type JobStateChange,
  jobEventOf,
  jobEventPattern,
  scheduledJobId,
  transition,
} from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { newTaskArn, taskLifecycle } from '../../support/ecs-events';
import {
  JOB_ID,
  LAUNCHED_AT,
  launch,
  nowOf,
  policyOf,
  SPOT_RETRY_RULES,
  submittedJob,
  taskEvent,
  thumbnailsConfig,
} from '../../support/jobs';

/*
 * Job events come from two versions of a job (the ledger stream's old and new images): one event per
 * creation, change of state or retry, none for a task's steps inside a state.
 */

/** Every version of the job as the ledger stores them while an attempt runs through its task events. */
function versionsOfAttempt(job: Job, script: { exitCode?: number; stopCode?: string }): Job[] {
  const policy = policyOf(thumbnailsConfig({ attempts: 2, ...SPOT_RETRY_RULES }));
  const taskArn = newTaskArn();
  const start = job.notBefore ? new Date(job.notBefore) : LAUNCHED_AT;
  const versions = [launch(job, taskArn, policy, start)];
  for (const event of taskLifecycle({ start, ...script, jobId: job.jobId, attempt: job.attempt, taskArn })) {
    const current = versions.at(-1) as Job;
    const { next } = transition(current, taskEvent(event), nowOf(event), policy);
    if (next !== current) versions.push(next);
  }
  return versions;
}

function eventsOf(versions: readonly Job[], first?: Job): JobStateChange[] {
  const events: JobStateChange[] = [];
  let previous = first;
  for (const next of versions) {
    const event = jobEventOf(previous, next);
    if (event) events.push(event);
    previous = next;
  }
  return events;
}

const policy = policyOf(thumbnailsConfig({ attempts: 2, ...SPOT_RETRY_RULES }));

describe('jobEventOf', () => {
  it('a new job is one created event: SUBMITTED, no previous state, the object it runs for', () => {
    const job = submittedJob(policy);

    expect(jobEventOf(undefined, job)).toEqual({
      jobId: JOB_ID,
      change: 'created',
      kind: 'pipeline',
      pipeline: 'thumbnails',
      task: 'resize',
      state: 'SUBMITTED',
      previousState: null,
      attempt: 1,
      maxAttempts: 2,
      input: { bucket: 'media-uploads', key: 'incoming/cat.jpg' },
      createdAt: job.createdAt,
      at: job.createdAt,
    });
  });

  it('a successful attempt: STARTING, RUNNING and SUCCEEDED once each, whatever the task steps between', () => {
    const job = submittedJob(policy);
    const versions = versionsOfAttempt(job, { exitCode: 0 });

    const events = eventsOf(versions, job);

    expect(versions.length).toBeGreaterThan(events.length);
    expect(events.map((e) => [e.previousState, e.state])).toEqual([
      ['SUBMITTED', 'STARTING'],
      ['STARTING', 'RUNNING'],
      ['RUNNING', 'SUCCEEDED'],
    ]);
    const finished = events.at(-1);
    expect(finished).toMatchObject({ change: 'state-changed', exitCode: 0, attempt: 1 });
    expect(finished?.taskArn).toBe(versions.at(-1)?.taskArn);
    expect(finished?.durationSeconds).toBe(
      (Date.parse(versions.at(-1)?.finishedAt ?? '') - Date.parse(job.createdAt)) / 1000,
    );
    expect(finished?.cost?.usd).toBeGreaterThan(0);
    expect(finished?.cost?.billedSeconds).toBeGreaterThanOrEqual(60);
  });

  it('a retried failure: retry-scheduled carries the ended attempt, then FAILED carries the last one', () => {
    const job = submittedJob(policy);
    const first = versionsOfAttempt(job, { exitCode: 1, stopCode: 'SpotInterruption' });
    const retrying = first.at(-1) as Job;
    const second = versionsOfAttempt(retrying, { exitCode: 3 });

    const events = eventsOf([...first, ...second], job);

    const retry = events.find((e) => e.change === 'retry-scheduled');
    expect(retry).toMatchObject({
      state: 'SUBMITTED',
      previousState: 'RUNNING',
      attempt: 2,
      exitCode: 1,
      stopCode: 'SpotInterruption',
      taskArn: first.at(-2)?.taskArn,
    });
    expect(retry?.notBefore).toBe(retrying.notBefore);
    expect(retry?.cost?.usd).toBeGreaterThan(0);
    const failed = events.at(-1);
    expect(failed).toMatchObject({ state: 'FAILED', previousState: 'RUNNING', attempt: 2, exitCode: 3 });
    expect(failed?.reason).toContain('exited with code 3');
    expect(failed?.cost?.usd).toBeGreaterThan(retry?.cost?.usd ?? 0);
    expect(events.filter((e) => e.state === 'FAILED')).toHaveLength(1);
  });

  it('a waiting job cancelled: one CANCELLED event with the reason', () => {
    const job = submittedJob(policy);
    const { next } = transition(
      job,
      { type: 'cancel', attempt: 1, reason: 'changed my mind' },
      LAUNCHED_AT,
      policy,
    );

    expect(jobEventOf(job, next)).toMatchObject({
      change: 'state-changed',
      state: 'CANCELLED',
      previousState: 'SUBMITTED',
      reason: expect.stringContaining('changed my mind'),
      durationSeconds: 1,
    });
  });

  it('a job made by a retry links the job it retries', () => {
    const job: Job = { ...submittedJob(policy, 'thumbnails-retry-1'), retryOf: JOB_ID };

    expect(jobEventOf(undefined, job)).toMatchObject({ change: 'created', retryOf: JOB_ID });
  });

  it('a schedule run names its schedule and scheduled time, never the environment', () => {
    const scheduledTime = '2026-01-01T03:00:00.000Z';
    const job: Job = {
      ...submittedJob(policy, scheduledJobId('nightly', scheduledTime)),
      kind: 'schedule',
      source: 'nightly',
      input: { STEVEDORE_SCHEDULE: 'nightly', STEVEDORE_SCHEDULED_TIME: scheduledTime, API_TOKEN: 'secret' },
    };
    const skipped = endedBeforeStart(job, 'CANCELLED', 'skipped: the previous run is active', job.createdAt);

    const event = jobEventOf(undefined, skipped);

    expect(event).toMatchObject({
      schedule: 'nightly',
      scheduledTime,
      state: 'CANCELLED',
      change: 'created',
    });
    expect(event).not.toHaveProperty('pipeline');
    expect(event).not.toHaveProperty('input');
    expect(JSON.stringify(event)).not.toContain('secret');
  });

  it('no event for a step inside a state, a terminal job touched again, a deletion or another job', () => {
    const job = submittedJob(policy);
    const versions = versionsOfAttempt(job, { exitCode: 0 });
    const running = versions.filter((v) => v.state === 'RUNNING');
    const done = versions.at(-1) as Job;

    expect(running.length).toBeGreaterThan(1);
    expect(jobEventOf(running[0], running[1])).toBeUndefined();
    expect(jobEventOf(done, { ...done, updatedAt: '2026-01-02T00:00:00.000Z' })).toBeUndefined();
    expect(jobEventOf(done, undefined)).toBeUndefined();
    expect(jobEventOf({ ...job, jobId: 'other' }, versions[0])).toBeUndefined();
  });
});

describe('jobEventPattern', () => {
  it('matches every job event, or only chosen states of chosen pipelines or schedules', () => {
    expect(jobEventPattern()).toEqual({ source: [JOB_EVENT_SOURCE], 'detail-type': [JOB_EVENT_DETAIL_TYPE] });
    expect(jobEventPattern({ states: ['FAILED', 'TIMED_OUT'], sources: ['thumbnails'] })).toEqual({
      source: ['stevedore'],
      'detail-type': ['Stevedore Job State Change'],
      detail: {
        state: ['FAILED', 'TIMED_OUT'],
        $or: [{ pipeline: ['thumbnails'] }, { schedule: ['thumbnails'] }],
      },
    });
  });
});
