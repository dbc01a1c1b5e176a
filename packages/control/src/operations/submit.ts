import { randomBytes } from 'node:crypto';
import {
  type CreatedObjectFacts,
  type Job,
  manualJobId,
  newJob,
  objectInput,
  objectKeyProblem,
} from '@stevedore/core/job';
import type { SourcePolicy } from '../app';
import type { HandlerDeps } from '../deps';
import { type LaunchOutcome, launchJob } from '../jobs/job-steps';
import { choices, OperationError } from './operation-errors';
import { derivedJobId, requireSource } from './operation-steps';

/*
 * Submit a job by hand: for a pipeline and an object already in its bucket, or for a task with an
 * environment override. Ids are derived from what is asked (the object's version; the task and its
 * env), so submitting the same thing twice is one job; `again` asks for a new one regardless.
 *
 * A task job needs a source for its retry rules, timeout, concurrency cap and task definition: it
 * runs under the first schedule that runs the task, else the first pipeline (config order), as a
 * `manual` job whose input is the override. A task that no schedule or pipeline runs is refused.
 */

/** An object's current version as S3 reports it (HeadObject); undefined when there is none. */
export interface ObjectHead {
  size: number;
  /** Without S3's quotes. */
  etag?: string;
  versionId?: string;
}

/** What submit reads from S3: the adapter is `S3ObjectHeads` in @stevedore/aws. */
export interface ObjectHeads {
  headObject(bucket: string, key: string): Promise<ObjectHead | undefined>;
}

export interface SubmitResult {
  job: Job;
  /** False when the same submission had been made before: `job` is that one. */
  created: boolean;
  launch?: LaunchOutcome;
}

export interface SubmitObjectRequest {
  pipeline: string;
  bucket: string;
  key: string;
  /** A new job even if this object version has one from a submission already. */
  again?: boolean;
  /** Launch now (default); false leaves it to the sweeper (see RetryOptions.launch). */
  launch?: boolean;
}

/** Submits a pipeline's job for an object that is in its bucket now (its current version). */
export async function submitObject(
  deps: HandlerDeps,
  heads: ObjectHeads,
  request: SubmitObjectRequest,
): Promise<SubmitResult> {
  const found = requireSource(deps, request.pipeline, 'pipeline');
  const watched = deps.app.config.pipelines[request.pipeline]?.bucket;
  if (watched !== request.bucket) {
    throw new OperationError(
      'unknown-bucket',
      `pipeline ${request.pipeline} watches bucket ${watched}, not ${request.bucket}`,
    );
  }
  const problem = objectKeyProblem(request.key);
  if (problem)
    throw new OperationError('invalid-input', `object key ${JSON.stringify(request.key)}: ${problem}`);
  const head = await heads.headObject(request.bucket, request.key);
  if (!head) {
    throw new OperationError('missing-object', `no object s3://${request.bucket}/${request.key}`);
  }
  const version = head.versionId ?? head.etag ?? '';
  const object: CreatedObjectFacts = {
    bucket: request.bucket,
    key: request.key,
    size: head.size,
    sequencer: `submit:${version}`,
    ...(head.versionId !== undefined ? { versionId: head.versionId } : {}),
    ...(head.etag !== undefined ? { etag: head.etag } : {}),
  };
  const jobId = request.again
    ? manualJobId(found.source.name)
    : derivedJobId(found.source.name, ['submit', request.bucket, request.key, version]);
  return createAndLaunch(deps, found, jobId, objectInput(object), request.launch !== false);
}

export interface SubmitTaskRequest {
  task: string;
  /** Environment override: what the task gets besides its source's env. */
  env?: Record<string, string>;
  again?: boolean;
  /** Launch now (default); false leaves it to the sweeper (see RetryOptions.launch). */
  launch?: boolean;
}

/** Environment names a task may be given (and not Stevedore's own). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Submits a run of a task with an environment override, under a source that runs the task. */
export async function submitTask(deps: HandlerDeps, request: SubmitTaskRequest): Promise<SubmitResult> {
  const tasks = Object.keys(deps.app.config.tasks);
  if (!tasks.includes(request.task)) {
    throw new OperationError(
      'unknown-task',
      `no task ${JSON.stringify(request.task)} in the config (tasks: ${choices(tasks)})`,
    );
  }
  const runners = deps.app.sources.filter((s) => s.source.taskName === request.task);
  const found = runners.find((s) => s.source.kind === 'schedule') ?? runners[0];
  if (!found) {
    const runnable = [...new Set(deps.app.sources.map((s) => s.source.taskName))];
    throw new OperationError(
      'unknown-task',
      `task ${request.task} is run by no pipeline or schedule, so it has no retry rules or timeout to run with (tasks that are: ${choices(runnable)})`,
    );
  }
  const env = request.env ?? {};
  for (const name of Object.keys(env)) {
    if (!ENV_NAME.test(name) || name.startsWith('STEVEDORE_')) {
      throw new OperationError(
        'invalid-input',
        `cannot set ${JSON.stringify(name)}: expected a name like MY_VAR, not STEVEDORE_*`,
      );
    }
  }
  const sorted = Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const jobId = request.again
    ? manualJobId(found.source.name, () => randomBytes(10))
    : derivedJobId(found.source.name, ['task', request.task, ...sorted.flat()]);
  return createAndLaunch(deps, found, jobId, Object.fromEntries(sorted), request.launch !== false, 'manual');
}

async function createAndLaunch(
  deps: HandlerDeps,
  found: SourcePolicy,
  jobId: string,
  input: Record<string, string>,
  launchNow: boolean,
  kind: Job['kind'] = found.source.kind,
): Promise<SubmitResult> {
  const { source } = found;
  const fresh = newJob(
    {
      jobId,
      kind,
      source: source.name,
      task: source.taskName,
      maxAttempts: source.retry.attempts,
      timeoutSeconds: source.timeoutSeconds,
      input,
    },
    deps.clock.now(),
  );
  const { created, job } = await deps.jobs.createJob(fresh);
  if (!created || !launchNow) return { job, created };
  // Over the concurrency cap it waits SUBMITTED; a refusal is recorded on the job: both are reported.
  const launch = await launchJob(deps, job);
  return { job: (await deps.jobs.getJob(jobId)) ?? job, created, launch };
}
