import { matchingPipelines } from '@stevedore/core/config';
import { type CreatedObjectFacts, objectJob, objectKeyProblem } from '@stevedore/core/job';
import type { ListedObject } from '@stevedore/core/ports';
import type { HandlerDeps } from '../deps';
import { jobForObject } from '../jobs/object-jobs';
import { requireSource } from './operation-steps';

/*
 * Backfill: a job for every object already under a pipeline's bucket and prefix that its rule would
 * have selected (suffix and size by the same rule as the EventBridge pattern) and that has no job.
 *
 * "Has a job" cannot be "the job the S3 event made": its id comes from the event's sequencer, which a
 * listing does not return. So every job for an object is also listed under the object itself (the
 * ledger's jobs-of-an-object index: pipeline, bucket, key, etag), and backfill asks that index, one
 * key condition per object. A job it creates has an id derived from pipeline, bucket, key and etag
 * (the sequencer `listed:<etag>`, which no S3 sequencer can be): a second backfill finds it in the
 * index, or, if the index has not caught up yet, the conditional put refuses the same id. The same
 * key with new content (another etag) is another object, and gets its job.
 *
 * Jobs are created and launched by the object-created handler's own step, a bounded batch at a time:
 * the launcher paces RunTask under ECS's limits, and a pipeline's concurrency cap holds the rest as
 * SUBMITTED until slots free, as for an upload of as many objects.
 */

/** Objects looked up and created at once. */
export const BACKFILL_BATCH = 10;

export interface BackfillOptions {
  /** Count what would be created; create nothing. */
  dryRun?: boolean;
  /** Objects looked up (and created) at once (default BACKFILL_BATCH). */
  batchSize?: number;
  /**
   * Launch each job now (default), or only record it SUBMITTED for the sweeper to launch on its next
   * run (a CLI on a deployed stage, which has no task network settings of its own).
   */
  launch?: boolean;
  /** After each batch, with the counts so far. */
  onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress {
  /** Objects the listing returned under the prefix. */
  listed: number;
  /** Of those, the ones the pipeline's rule selects. */
  matched: number;
  /** Matched objects that had a job already (from their upload, an earlier backfill, a submit). */
  alreadyHadJob: number;
  /** Jobs created now (0 in a dry run). */
  created: number;
  /** Matched objects with no job: created now, or, in a dry run, what a backfill would create. */
  withoutJob: number;
}

export interface BackfillSummary extends BackfillProgress {
  pipeline: string;
  bucket: string;
  prefix: string;
  dryRun: boolean;
  /** The jobs created. */
  jobIds: string[];
}

/** Creates (and launches) a job for each object of the pipeline that has none. */
export async function backfill(
  deps: HandlerDeps,
  pipeline: string,
  options: BackfillOptions = {},
): Promise<BackfillSummary> {
  const { source } = requireSource(deps, pipeline, 'pipeline');
  const rule = requirePipelineConfig(deps, pipeline);
  const dryRun = options.dryRun ?? false;
  const batchSize = Math.max(1, options.batchSize ?? BACKFILL_BATCH);
  const counts: BackfillProgress = { listed: 0, matched: 0, alreadyHadJob: 0, created: 0, withoutJob: 0 };
  const jobIds: string[] = [];

  const hasJob = async (object: ListedObject) =>
    object.etag !== '' &&
    (
      await deps.jobs.jobsOfObject(
        pipeline,
        { bucket: rule.bucket, key: object.key, etag: object.etag },
        { limit: 1 },
      )
    ).jobs.length > 0;

  const settle = async (object: ListedObject): Promise<void> => {
    if (await hasJob(object)) {
      counts.alreadyHadJob += 1;
      return;
    }
    if (dryRun) {
      counts.withoutJob += 1;
      return;
    }
    const facts = listedObjectFacts(rule.bucket, object);
    // Created is false only when this backfill's own id exists: an earlier backfill the index had not shown.
    const { created, job } =
      options.launch === false
        ? await deps.jobs.createJob(objectJob(source, facts, deps.clock.now()))
        : await jobForObject(deps, source, facts);
    if (created) {
      counts.created += 1;
      counts.withoutJob += 1;
      jobIds.push(job.jobId);
    } else counts.alreadyHadJob += 1;
  };

  for await (const page of matchingPages(deps, pipeline)) {
    counts.listed += page.listed;
    counts.matched += page.matching.length;
    for (let start = 0; start < page.matching.length; start += batchSize) {
      // One batch at a time, in listing order: bounded work in flight, progress after each.
      await Promise.all(page.matching.slice(start, start + batchSize).map(settle));
      options.onProgress?.({ ...counts });
    }
    if (page.matching.length === 0) options.onProgress?.({ ...counts });
  }
  return { pipeline, bucket: rule.bucket, prefix: rule.prefix, dryRun, ...counts, jobIds };
}

/** How many objects under the pipeline's prefix its rule selects: listing only, nothing looked up. */
export async function countMatchingObjects(deps: HandlerDeps, pipeline: string): Promise<number> {
  requireSource(deps, pipeline, 'pipeline');
  let matched = 0;
  for await (const page of matchingPages(deps, pipeline)) matched += page.matching.length;
  return matched;
}

/** The object as the S3 event would have described it, with backfill's sequencer. */
export function listedObjectFacts(bucket: string, object: ListedObject): CreatedObjectFacts {
  return {
    bucket,
    key: object.key,
    size: object.size,
    sequencer: backfillSequencer(object.etag),
    etag: object.etag,
  };
}

/**
 * What backfill uses for the sequencer a listing does not have: its content's etag, marked so that it
 * never equals an S3 sequencer (those are hex digits only).
 */
export function backfillSequencer(etag: string): string {
  return `listed:${etag}`;
}

function requirePipelineConfig(deps: HandlerDeps, pipeline: string) {
  const rule = deps.app.config.pipelines[pipeline];
  // requireSource has checked it is a pipeline of this config.
  if (!rule) throw new Error(`pipeline ${pipeline} has no config`);
  return rule;
}

/** The listing under the pipeline's prefix, a page at a time, with the objects its rule selects. */
async function* matchingPages(
  deps: HandlerDeps,
  pipeline: string,
): AsyncGenerator<{ listed: number; matching: ListedObject[] }> {
  const rule = requirePipelineConfig(deps, pipeline);
  const only = { pipelines: { [pipeline]: rule } };
  let cursor: string | undefined;
  do {
    const page = await deps.objects.listObjects(rule.bucket, rule.prefix, cursor);
    cursor = page.cursor;
    const matching = page.objects.filter((object) => {
      if (matchingPipelines(only, { bucket: rule.bucket, key: object.key, size: object.size }).length === 0) {
        return false;
      }
      // A key no S3 event could carry (a NUL in it, say) cannot be a job's input: say so and go on.
      const problem = objectKeyProblem(object.key);
      if (problem) deps.logger.warn('object skipped', { bucket: rule.bucket, key: object.key, problem });
      return problem === undefined;
    });
    yield { listed: page.objects.length, matching };
  } while (cursor);
}
