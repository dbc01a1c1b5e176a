import { type JobSource, matchingPipelines } from '@stevedore/core/config';
import { type CreatedObjectFacts, type Job, objectJob } from '@stevedore/core/job';
import type { HandlerDeps } from '../deps';
import { launchJob } from './job-steps';

/**
 * An object landed in a bucket: one job per matching pipeline, launched at once when a slot is free.
 * The job id comes from pipeline, bucket, key and sequencer, so a redelivered event is the same job.
 */
export async function jobsForObject(deps: HandlerDeps, object: CreatedObjectFacts): Promise<void> {
  const pipelines = matchingPipelines(deps.app.config, object);
  if (pipelines.length === 0)
    deps.logger.debug('no pipeline matches', { bucket: object.bucket, key: object.key });

  for (const name of pipelines) {
    const found = deps.app.source(name);
    if (!found) continue;
    await jobForObject(deps, found.source, object);
  }
}

/**
 * Records the job of one pipeline for an object and launches it (the object-created handler and
 * backfill alike). `created` is false when the job existed; it is launched again all the same, which
 * repairs a job never launched and is a no-op otherwise.
 */
export async function jobForObject(
  deps: HandlerDeps,
  pipeline: JobSource,
  object: CreatedObjectFacts,
): Promise<{ created: boolean; job: Job }> {
  const { created, job } = await deps.jobs.createJob(objectJob(pipeline, object, deps.clock.now()));
  if (created)
    deps.logger.info('transition', {
      jobId: job.jobId,
      source: pipeline.name,
      state: job.state,
      attempt: 1,
      key: object.key,
    });
  // A redelivery finds the job: launching again is a no-op unless the first delivery died before
  // it launched, and then it repairs that (same clientToken).
  await launchJob(deps, job);
  return { created, job };
}
