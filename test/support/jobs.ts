import type { ConfigInput } from '@stevedore/core';
import { type Config, jobPolicy, jobSource, parseConfig } from '@stevedore/core/config';
import { parseTaskStateChange, snapshotOfDetail } from '@stevedore/core/events';
import {
  type Job,
  type JobEvent,
  type JobPolicy,
  newJob,
  s3JobId,
  type TaskSnapshot,
  transition,
} from '@stevedore/core/job';
import { newTaskArn, type TaskScript, taskLifecycle } from './ecs-events';

/*
 * Jobs for state-machine tests, built the way the handlers build them: from a parsed config, the
 * job source's policy, and snapshots parsed from (derived) real Task State Change events.
 */

type PipelineInput = NonNullable<ConfigInput['pipelines']>[string];
export type RetryInput = NonNullable<PipelineInput['retry']>;

export const SOURCE = 'thumbnails';
/** Seconds an attempt of the `thumbnails` pipeline may run. */
export const TIMEOUT_SECONDS = 900;
/** When the test job is first recorded; lifecycles start one second later. */
export const CREATED_AT = new Date('2025-12-31T23:59:59.000Z');
export const LAUNCHED_AT = new Date('2026-01-01T00:00:00.000Z');

/** The job of one uploaded object, as the S3 handler derives it. */
export const JOB_ID = s3JobId(SOURCE, 'media-uploads', 'incoming/cat.jpg', '617f08299329d189');

/** A realistic config: pipeline `thumbnails` runs task `resize` (256 CPU / 512 MiB, container `main`). */
export function thumbnailsConfig(retry: RetryInput = {}, prices: ConfigInput['prices'] = {}): Config {
  return parseConfig({
    tasks: {
      resize: { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/resize:1', cpu: 256, memory: 512 },
    },
    pipelines: {
      [SOURCE]: {
        bucket: 'media-uploads',
        prefix: 'incoming/',
        task: 'resize',
        timeout: TIMEOUT_SECONDS,
        retry,
      },
    },
    prices,
  });
}

/** The retry rules most job tests share: Spot interruptions are retried whatever the exit code; a container killed (137) is not. */
export const SPOT_RETRY_RULES: RetryInput = {
  rules: [
    { onStopCode: 'SpotInterruption', action: 'RETRY' },
    { onExitCode: '137', action: 'EXIT' },
  ],
};

/** The state-machine policy of a job source, exactly as the handlers derive it. */
export function policyOf(config: Config, name = SOURCE): JobPolicy {
  const source = jobSource(config, name);
  if (!source) throw new Error(`no job source ${name} in the test config`);
  return jobPolicy(config, source);
}

/** A fresh SUBMITTED job of the `thumbnails` pipeline, with as many attempts as the policy allows. */
export function submittedJob(policy: JobPolicy, jobId = JOB_ID): Job {
  return newJob(
    {
      jobId,
      kind: 'pipeline',
      source: SOURCE,
      task: 'resize',
      maxAttempts: policy.retry.attempts,
      timeoutSeconds: TIMEOUT_SECONDS,
      input: { S3_BUCKET: 'media-uploads', S3_KEY: 'incoming/cat.jpg' },
    },
    CREATED_AT,
  );
}

/** The job after RunTask accepted `attempt` as `taskArn`. Throws if the job refuses it. */
export function launch(job: Job, taskArn: string, policy: JobPolicy, now = LAUNCHED_AT): Job {
  const { next } = transition(job, { type: 'launched', attempt: job.attempt, taskArn }, now, policy);
  if (next === job) throw new Error(`the job refused the launch of attempt ${job.attempt}`);
  return next;
}

/** What Stevedore sees of one Task State Change event. */
export function snapshotOf(event: Record<string, unknown>): TaskSnapshot {
  return snapshotOfDetail(parseTaskStateChange(event).detail);
}

export function taskEvent(event: Record<string, unknown>): JobEvent {
  return { type: 'task', task: snapshotOf(event) };
}

/** When a handler processes an event: one second after EventBridge emitted it. Fixed per event. */
export function nowOf(event: Record<string, unknown>): Date {
  return new Date(Date.parse(String(event.time)) + 1000);
}

/** The task ARN of a (derived) Task State Change event. */
export function taskArnOf(event: Record<string, unknown>): string {
  return snapshotOf(event).taskArn;
}

/** Applies Task State Change events one after another, each at its own `nowOf`. */
export function deliver(job: Job, events: readonly Record<string, unknown>[], policy: JobPolicy): Job {
  return events.reduce(
    (current, event) => transition(current, taskEvent(event), nowOf(event), policy).next,
    job,
  );
}

/** Delivers one event and returns the whole transition. */
export function deliverOne(job: Job, event: Record<string, unknown>, policy: JobPolicy) {
  return transition(job, taskEvent(event), nowOf(event), policy);
}

/** The job without what legitimately depends on delivery order: its history and last update time. */
export function comparable(job: Job): Omit<Job, 'history' | 'updatedAt'> {
  const { history: _history, updatedAt: _updatedAt, ...rest } = job;
  return rest;
}

/** Launches the job's current attempt as a new task and delivers the task's whole lifecycle in order. */
export function runAttempt(
  job: Job,
  policy: JobPolicy,
  script: Omit<TaskScript, 'jobId' | 'attempt' | 'taskArn'> = { exitCode: 0 },
): { job: Job; events: Record<string, unknown>[]; taskArn: string } {
  const taskArn = newTaskArn();
  const start = job.notBefore ? new Date(job.notBefore) : LAUNCHED_AT;
  const events = taskLifecycle({ start, ...script, jobId: job.jobId, attempt: job.attempt, taskArn });
  return { job: deliver(launch(job, taskArn, policy, start), events, policy), events, taskArn };
}
