import { UnservedJobQueryError } from '@stevedore/core/errors';
import { isTerminal, type Job, type JobPatch, type JobState } from '@stevedore/core/job';
import type {
  ApplyResult,
  Clock,
  JobPage,
  JobQuery,
  JobStore,
  ObjectRef,
  OpenJobQuery,
} from '@stevedore/core/ports';
import { LedgerError } from '../errors';
import { isExpired, itemToJob, jobToItem, patchToUpdate } from './job-item';
import { decodeCursor, encodeCursor, type LedgerIndex, type LedgerTable, pageSize } from './ledger-table';
import { ALL_JOBS_PARTITION, INDEX, KEY, keys } from './table';

const DEFAULT_PAGE = 25;
const MAX_PAGE = 100;

export interface JobStoreOptions {
  clock: Clock;
  /** How long finished jobs are kept before TTL deletes them. */
  retentionDays: number;
  /**
   * The config's pipelines and schedules: a listing of jobs in an open state across all of them reads
   * each one's open jobs (GSI2). Without them such a listing reads the all-jobs index and filters.
   */
  sources?: readonly string[];
}

/**
 * Jobs in the ledger, one item each (`JOB#<jobId>` / `JOB`). Every state change is one conditional
 * UpdateItem compiled from a JobPatch: no read before the write, and a refused guard (stale or
 * duplicate event) is a no-op.
 */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly table: LedgerTable,
    private readonly options: JobStoreOptions,
  ) {}

  async createJob(job: Job): Promise<{ created: boolean; job: Job }> {
    const put = await this.table.put('createJob', job.jobId, {
      Item: jobToItem(job, this.options.retentionDays),
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': KEY.pk },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    if (!put.refused) return { created: true, job };
    // Only an existing item fails the condition, and ALL_OLD hands it back: without it, nothing to return.
    if (!put.old) throw new LedgerError('createJob', job.jobId, { cause: put.cause });
    return { created: false, job: itemToJob(put.old) };
  }

  async applyPatch(jobId: string, patch: JobPatch): Promise<ApplyResult> {
    const update = await this.table.update('applyPatch', jobId, {
      ...patchToUpdate(jobId, patch, this.options.retentionDays),
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    if (update.refused) {
      // The guard refused the patch: a stale or duplicate event, a finished job, or an unknown one.
      return update.old ? { applied: false, current: itemToJob(update.old) } : { applied: false };
    }
    const attributes = update.output.Attributes;
    if (!attributes) {
      throw new LedgerError('applyPatch', jobId, { cause: new Error('UpdateItem returned no attributes') });
    }
    return { applied: true, job: itemToJob(attributes) };
  }

  async getJob(jobId: string): Promise<Job | undefined> {
    const item = await this.table.get('getJob', jobId, { Key: keys.job(jobId), ConsistentRead: true });
    if (!item || isExpired(item, this.options.clock.now())) return undefined;
    return itemToJob(item);
  }

  /**
   * Every filter is a key condition: a key prefix reads the source's jobs by key (GSI7), a final
   * state its finished-by-state index, an open state a source's open jobs (GSI2: waiting ones by due
   * time, active ones by id, so only that source's open jobs are read), no state the source's or all
   * jobs by creation.
   */
  async listJobs(query: JobQuery): Promise<JobPage> {
    const { state, source } = query;
    if (query.keyPrefix) return this.jobsByKeyPrefix(query.keyPrefix, query);
    if (state !== undefined && !isTerminal(state)) {
      if (source !== undefined) return this.openJobsInState(source, state, query);
      if (this.options.sources) return this.openJobsAcrossSources(this.options.sources, state, query);
    }
    const finished = state !== undefined && isTerminal(state);
    const index = finished
      ? source
        ? INDEX.finishedOfSource
        : INDEX.finished
      : source
        ? INDEX.bySource
        : INDEX.all;
    const partition = finished
      ? source
        ? keys.finishedOfSource(source, state)
        : keys.finished(state)
      : source
        ? keys.bySource(source)
        : ALL_JOBS_PARTITION;
    const range = timeRange(query);
    return this.queryJobs(`listJobs ${partition}`, {
      index,
      partition,
      newestFirst: true,
      limit: query.limit,
      cursor: query.cursor,
      ...(range ? { sortBetween: range } : {}),
      // Only the fallback (an open state, all sources, no source list) filters what it reads.
      ...(state && !finished ? { filter: (job: Job) => job.state === state } : {}),
    });
  }

  /**
   * A source's jobs whose object key starts with a prefix, in key order (GSI7): the prefix is the key
   * condition, so only the prefix's jobs are read; a state or time range is then applied to those.
   */
  private jobsByKeyPrefix(keyPrefix: string, query: JobQuery): Promise<JobPage> {
    const { source, state } = query;
    if (source === undefined) {
      throw new UnservedJobQueryError(
        `key prefix ${JSON.stringify(keyPrefix)} needs a pipeline: the ledger lists object keys per pipeline`,
      );
    }
    const since = query.since?.toISOString();
    const until = query.until?.toISOString();
    const filtered = state !== undefined || since !== undefined || until !== undefined;
    return this.queryJobs(`listJobs ${keys.byKey(source)} ${keyPrefix}`, {
      index: INDEX.byKey,
      partition: keys.byKey(source),
      newestFirst: false,
      limit: query.limit,
      cursor: query.cursor,
      sortPrefix: keyPrefix,
      ...(filtered
        ? {
            filter: (job: Job) =>
              (state === undefined || job.state === state) &&
              (since === undefined || job.createdAt >= since) &&
              (until === undefined || job.createdAt <= until),
          }
        : {}),
    });
  }

  /** A source's open jobs in one state: waiting ones by due time, active ones by id. */
  private openJobsInState(source: string, state: JobState, query: JobQuery): Promise<JobPage> {
    const prefix = state === 'SUBMITTED' ? 'W#' : 'A#';
    const since = query.since?.toISOString();
    const until = query.until?.toISOString();
    return this.queryJobs(`listJobs ${keys.open(source)} ${state}`, {
      index: INDEX.open,
      partition: keys.open(source),
      newestFirst: false,
      limit: query.limit,
      cursor: query.cursor,
      sortBetween: [prefix, `${prefix}~`],
      filter: (job: Job) =>
        job.state === state &&
        (since === undefined || job.createdAt >= since) &&
        (until === undefined || job.createdAt <= until),
    });
  }

  /** Open jobs in one state, source after source; the cursor names the source and its own cursor. */
  private async openJobsAcrossSources(
    sources: readonly string[],
    state: JobState,
    query: JobQuery,
  ): Promise<JobPage> {
    const limit = pageSize(query.limit, DEFAULT_PAGE, MAX_PAGE);
    const at = query.cursor ? (decodeCursor(query.cursor) as { source?: number; cursor?: string }) : {};
    const jobs: Job[] = [];
    for (let i = at.source ?? 0; i < sources.length; i++) {
      const { cursor: _startedAt, ...rest } = query;
      const page = await this.openJobsInState(sources[i] as string, state, {
        ...rest,
        limit: limit - jobs.length,
        ...(i === at.source && at.cursor ? { cursor: at.cursor } : {}),
      });
      jobs.push(...page.jobs);
      if (page.cursor) return { jobs, cursor: encodeCursor({ source: i, cursor: page.cursor }) };
      if (jobs.length >= limit) {
        return i + 1 < sources.length ? { jobs, cursor: encodeCursor({ source: i + 1 }) } : { jobs };
      }
    }
    return { jobs };
  }

  async openJobs(source: string, query: OpenJobQuery = {}): Promise<JobPage> {
    return this.queryJobs(`openJobs ${source}`, {
      index: INDEX.open,
      partition: keys.open(source),
      newestFirst: false,
      limit: query.limit,
      cursor: query.cursor,
      filter: (job: Job) => !isTerminal(job.state),
      // '~' sorts after every character of an ISO time or a job id, so the bounds take every job up to them.
      ...(query.dueBy ? { sortBetween: ['W#', `W#${query.dueBy.toISOString()}~`] as const } : {}),
      ...(query.active
        ? {
            sortBetween: [
              keys.active(query.active.from ?? ''),
              query.active.through === undefined ? keys.active('~') : keys.active(query.active.through),
            ] as const,
          }
        : {}),
    });
  }

  async jobsOfObject(
    source: string,
    object: ObjectRef,
    query: { limit?: number; cursor?: string } = {},
  ): Promise<JobPage> {
    const partition = keys.byObject(source, object);
    return this.queryJobs(`jobsOfObject ${source}`, {
      index: INDEX.byObject,
      partition,
      newestFirst: true,
      limit: query.limit,
      cursor: query.cursor,
    });
  }

  /** A page of the jobs in one partition of a job index, past their retention left out. */
  private async queryJobs(
    what: string,
    q: {
      index: LedgerIndex;
      partition: string;
      newestFirst: boolean;
      limit: number | undefined;
      cursor: string | undefined;
      sortBetween?: readonly [string, string];
      sortPrefix?: string;
      filter?: (job: Job) => boolean;
    },
  ): Promise<JobPage> {
    const now = this.options.clock.now();
    const { items: jobs, cursor } = await this.table.queryIndex(what, q.partition, {
      index: q.index,
      partition: q.partition,
      newestFirst: q.newestFirst,
      limit: pageSize(q.limit, DEFAULT_PAGE, MAX_PAGE),
      cursor: q.cursor,
      sortBetween: q.sortBetween,
      sortPrefix: q.sortPrefix,
      select: (item) => {
        if (isExpired(item, now)) return undefined;
        const job = itemToJob(item);
        return !q.filter || q.filter(job) ? job : undefined;
      },
    });
    return cursor ? { jobs, cursor } : { jobs };
  }
}

/** A listing's time range as sort-key bounds (`~` sorts after every character of a time or a job id). */
function timeRange(query: JobQuery): readonly [string, string] | undefined {
  if (!query.since && !query.until) return undefined;
  return [query.since?.toISOString() ?? '', `${query.until?.toISOString() ?? '~'}~`];
}
