import { isJobState, type Job, type JobState } from '@stevedore/core/job';
import type { JobStore } from '@stevedore/core/ports';
import { ConsoleRequestError } from './errors';

/*
 * The jobs page's query, kept in its URL: source (pipeline or schedule), state, a time range and an
 * object key prefix. All of it goes to the ledger's listing, which serves each with a key condition on
 * an index: newest first, or in key order within one pipeline for a key prefix (a prefix with no
 * pipeline is the app's only pipeline, or a clear error when it has several). A state or time range
 * beside a prefix is applied to the prefix's jobs, so each request reads at most MAX_PAGE_READS pages:
 * the answer then carries a cursor and says how far it looked.
 */

export interface JobFilter {
  source?: string;
  state?: JobState;
  /** Created at or after (ISO 8601). */
  since?: string;
  /** Created at or before (ISO 8601). */
  until?: string;
  /** Only jobs whose object key starts with this. */
  prefix?: string;
}

export interface JobListing {
  jobs: Job[];
  cursor?: string;
  /** Jobs read from the ledger for this answer (matching or not). */
  examined: number;
}

/** Page reads per request, at most. */
export const MAX_PAGE_READS = 10;
const PAGE_MAX = 200;

/** Parses the jobs page's query string; bad values are a clear error naming the parameter. */
export function parseJobQuery(params: URLSearchParams): {
  filter: JobFilter;
  limit: number;
  cursor?: string;
} {
  const filter: JobFilter = {};
  const source = params.get('source');
  if (source) filter.source = source;
  const state = params.get('state')?.toUpperCase();
  if (state) {
    if (!isJobState(state)) throw new ConsoleRequestError(`state must be a job state, got ${state}`);
    filter.state = state;
  }
  for (const key of ['since', 'until'] as const) {
    const value = params.get(key);
    if (!value) continue;
    const time = new Date(value);
    if (Number.isNaN(time.getTime()))
      throw new ConsoleRequestError(`${key} must be an ISO time, got ${value}`);
    filter[key] = time.toISOString();
  }
  const prefix = params.get('prefix');
  if (prefix) filter.prefix = prefix;
  const limitText = params.get('limit') ?? '50';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
    throw new ConsoleRequestError(`limit must be a whole number from 1 to ${PAGE_MAX}, got ${limitText}`);
  }
  const cursor = params.get('cursor');
  return { filter, limit, ...(cursor ? { cursor } : {}) };
}

/**
 * The pipeline a key prefix lists within: the one named, or the app's only pipeline. Keys are listed
 * per pipeline (the ledger's key index), and across several a prefix would be a search of each.
 */
export function withPrefixSource(filter: JobFilter, pipelines: readonly string[]): JobFilter {
  if (!filter.prefix || filter.source) return filter;
  if (pipelines.length === 1) return { ...filter, source: pipelines[0] as string };
  throw new ConsoleRequestError(
    `a key prefix lists one pipeline's jobs: pick a pipeline (${pipelines.join(', ') || 'none configured'})`,
  );
}

/** Whether a job passes the filter (the part the ledger's listing does not apply). */
export function matchesFilter(job: Job, filter: JobFilter): boolean {
  if (filter.source && job.source !== filter.source) return false;
  if (filter.state && job.state !== filter.state) return false;
  if (filter.since && job.createdAt < filter.since) return false;
  if (filter.until && job.createdAt > filter.until) return false;
  if (filter.prefix && !(job.input.S3_KEY ?? '').startsWith(filter.prefix)) return false;
  return true;
}

/** One page of the jobs table, newest first. */
export async function listJobPage(
  jobs: JobStore,
  filter: JobFilter,
  limit: number,
  cursor?: string,
): Promise<JobListing> {
  const found: Job[] = [];
  let examined = 0;
  let next = cursor;
  for (let reads = 0; reads < MAX_PAGE_READS && found.length < limit; reads++) {
    // Never more than still wanted: every match of a page fits, so the page's cursor loses nothing.
    const page = await jobs.listJobs({
      limit: limit - found.length,
      ...(filter.source ? { source: filter.source } : {}),
      ...(filter.state ? { state: filter.state } : {}),
      ...(filter.since ? { since: new Date(filter.since) } : {}),
      ...(filter.until ? { until: new Date(filter.until) } : {}),
      ...(filter.prefix ? { keyPrefix: filter.prefix } : {}),
      ...(next ? { cursor: next } : {}),
    });
    examined += page.jobs.length;
    for (const job of page.jobs) if (matchesFilter(job, filter)) found.push(job);
    next = page.cursor;
    if (!next) break;
  }
  return { jobs: found, examined, ...(next ? { cursor: next } : {}) };
}
