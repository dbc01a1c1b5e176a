import type { Job } from '@stevedore/core/job';
import { CliError } from './cli-error';

/*
 * Tables print a job id as `<source>-<first 8 hex digits>` (as git prints commits) so they fit 100
 * columns; every command that takes a job id takes that short form too. --json keeps full ids.
 */

const FULL = /^([A-Za-z][A-Za-z0-9_-]{0,39})-([0-9a-f]{20})$/;
const SHORT = /^([A-Za-z][A-Za-z0-9_-]{0,39})-([0-9a-f]{4,19})$/;
const SHORT_DIGITS = 8;
/** How many of a source's newest jobs a short id is looked for among: the ones tables show. */
const SEARCHED = 1000;

/** `summarize-1a2b3c4d` for `summarize-1a2b3c4d5e6f...`; any other id as it is. */
export function shortJobId(jobId: string): string {
  const match = FULL.exec(jobId);
  return match ? `${match[1]}-${match[2]?.slice(0, SHORT_DIGITS)}` : jobId;
}

interface JobReader {
  getJob(jobId: string): Promise<Job | undefined>;
  listJobs(query: { source?: string; limit?: number; cursor?: string }): Promise<{
    jobs: Job[];
    cursor?: string | undefined;
  }>;
}

/**
 * The job a full or short id names. A short id is matched among its source's newest jobs (one
 * query by source, newest first); more than one match is an error listing them.
 */
export async function findJob(jobs: JobReader, id: string): Promise<Job | undefined> {
  const exact = await jobs.getJob(id);
  if (exact) return exact;
  const short = SHORT.exec(id);
  if (!short?.[1]) return undefined;
  const source = short[1];
  const matches: Job[] = [];
  let read = 0;
  let cursor: string | undefined;
  do {
    const page = await jobs.listJobs({ source, limit: 100, ...(cursor ? { cursor } : {}) });
    read += page.jobs.length;
    matches.push(...page.jobs.filter((job) => job.jobId.startsWith(id)));
    cursor = page.cursor;
  } while (cursor && read < SEARCHED);
  if (matches.length > 1) {
    throw new CliError(
      `${id} is the start of ${matches.length} job ids: ${matches.map((j) => j.jobId).join(', ')}; give more of it`,
    );
  }
  return matches[0];
}

/** findJob, or a CliError saying there is no such job. */
export async function requireJob(jobs: JobReader, id: string): Promise<Job> {
  const job = await findJob(jobs, id);
  if (!job)
    throw new CliError(`no job ${id}${SHORT.test(id) ? ` among the ${SEARCHED} newest of its source` : ''}`);
  return job;
}
