import type { HandlerDeps } from '@stevedore/control';
import { isTerminal, type Job, jobCost } from '@stevedore/core/job';

/*
 * The overview: per pipeline and schedule, what is open, what failed in the last 24 h, the success
 * rate, p50/p95 duration and cost today and over 7 days. Each source's jobs are read newest first
 * through its own listing until the window ends (a key condition, never a scan), at most
 * MAX_JOBS_PER_SOURCE of them; a source busier than that says its figures are from the newest ones.
 */

export const MAX_JOBS_PER_SOURCE = 5_000;
const DAY_MS = 86_400_000;

export interface SourceStats {
  name: string;
  kind: 'pipeline' | 'schedule';
  task: string;
  open: number;
  failed24h: number;
  /** Finished jobs that SUCCEEDED, over 24 h and 7 days (null when none finished). */
  successRate24h: number | null;
  successRate7d: number | null;
  /** From creation to the end, of the jobs finished in 7 days (ms; null when none). */
  p50Ms: number | null;
  p95Ms: number | null;
  costTodayUsd: number;
  cost7dUsd: number;
  jobs7d: number;
  /** True when the source had more jobs in 7 days than were read. */
  truncated: boolean;
}

/** The figures of every pipeline and schedule of the config, at `now`. */
export async function overview(deps: HandlerDeps, now: Date): Promise<SourceStats[]> {
  return Promise.all(
    deps.app.sources.map(async ({ source }) => {
      const { jobs, truncated } = await recentJobs(deps, source.name, new Date(now.getTime() - 7 * DAY_MS));
      return {
        name: source.name,
        kind: source.kind,
        task: source.taskName,
        ...sourceStats(jobs, now),
        truncated,
      };
    }),
  );
}

/** The figures of one source's jobs of the last 7 days. */
export function sourceStats(
  jobs: readonly Job[],
  now: Date,
): Omit<SourceStats, 'name' | 'kind' | 'task' | 'truncated'> {
  const dayAgo = new Date(now.getTime() - DAY_MS).toISOString();
  const midnight = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()),
  ).toISOString();
  const finished = jobs.filter((job) => isTerminal(job.state) && job.finishedAt);
  const finished24h = finished.filter((job) => (job.finishedAt ?? '') >= dayAgo);
  const rate = (list: readonly Job[]) =>
    list.length === 0 ? null : list.filter((job) => job.state === 'SUCCEEDED').length / list.length;
  const durations = finished
    .map((job) => new Date(job.finishedAt ?? job.updatedAt).getTime() - new Date(job.createdAt).getTime())
    .sort((a, b) => a - b);
  return {
    open: jobs.filter((job) => !isTerminal(job.state)).length,
    failed24h: finished24h.filter((job) => job.state === 'FAILED' || job.state === 'TIMED_OUT').length,
    successRate24h: rate(finished24h),
    successRate7d: rate(finished),
    p50Ms: percentile(durations, 0.5),
    p95Ms: percentile(durations, 0.95),
    costTodayUsd: sum(jobs.filter((job) => job.createdAt >= midnight).map((job) => jobCost(job).usd)),
    cost7dUsd: sum(jobs.map((job) => jobCost(job).usd)),
    jobs7d: jobs.length,
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? null;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

async function recentJobs(
  deps: HandlerDeps,
  source: string,
  since: Date,
): Promise<{ jobs: Job[]; truncated: boolean }> {
  const jobs: Job[] = [];
  const from = since.toISOString();
  let cursor: string | undefined;
  do {
    const page = await deps.jobs.listJobs({ source, limit: 100, ...(cursor ? { cursor } : {}) });
    for (const job of page.jobs) {
      if (job.createdAt < from) return { jobs, truncated: false };
      jobs.push(job);
    }
    cursor = page.cursor;
  } while (cursor && jobs.length < MAX_JOBS_PER_SOURCE);
  return { jobs, truncated: cursor !== undefined };
}
