import { createHash } from 'node:crypto';
import { type Job, manualJobId } from '@stevedore/core/job';
import type { SourcePolicy } from '../app';
import type { HandlerDeps } from '../deps';
import { choices, OperationError } from './operation-errors';

/** The job called `jobId`, or an OperationError that names it. */
export async function requireJob(deps: HandlerDeps, jobId: string): Promise<Job> {
  const job = await deps.jobs.getJob(jobId);
  if (!job) throw new OperationError('unknown-job', `no job ${jobId} (see stevedore jobs list)`);
  return job;
}

/** The pipeline or schedule a job runs under, or an OperationError when the config no longer has it. */
export function sourceOfJob(deps: HandlerDeps, job: Job): SourcePolicy {
  const found = deps.app.source(job.source);
  if (!found) {
    throw new OperationError(
      'unknown-source',
      `job ${job.jobId} belongs to ${job.source}, which is no longer in the config (sources: ${choices(deps.app.sources.map((s) => s.source.name))})`,
    );
  }
  return found;
}

/** The pipeline or schedule called `name` (of `kind` when given), or an error naming the valid ones. */
export function requireSource(deps: HandlerDeps, name: string, kind?: 'pipeline' | 'schedule'): SourcePolicy {
  const found = deps.app.source(name);
  if (found && (kind === undefined || found.source.kind === kind)) return found;
  const valid = deps.app.sources.filter((s) => kind === undefined || s.source.kind === kind);
  const what = kind ?? 'pipeline or schedule';
  throw new OperationError(
    'unknown-source',
    `no ${what} ${JSON.stringify(name)} in the config (${what}s: ${choices(valid.map((s) => s.source.name))})`,
  );
}

/**
 * A job id derived from what a job is for, so asking for the same thing twice is one job: core's
 * manual id shape (`<source>-<20 hex>`), its digits taken from a hash of `parts` instead of at random.
 */
export function derivedJobId(source: string, parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:${part};`);
  return manualJobId(source, () => hash.digest());
}
