import type { IncomingMessage } from 'node:http';
import type { ConsoleBackend } from '@stevedore/console';
import {
  ASSET_BUDGET_BYTES,
  buildAssets,
  ConsoleForbiddenError,
  ConsoleRequestError,
  checkAction,
  jobTimeline,
  LiveFeed,
  listJobPage,
  MAX_PAGE_READS,
  parseJobQuery,
  percentile,
  sourceStats,
  withPrefixSource,
} from '@stevedore/console';
import { attemptCost, DEFAULT_PRICES, type Job, jobCost, jobHistory, newJob } from '@stevedore/core/job';
import type { JobPage, JobQuery, JobStore } from '@stevedore/core/ports';
import { describe, expect, it } from 'vitest';

/*
 * The console's pure parts: the asset budget, the jobs page's query and its bounded walk through the
 * ledger's listing, a job's timeline phases, the overview's figures, and who may act.
 */

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function job(n: number, overrides: Partial<Job> = {}): Job {
  const base = newJob(
    {
      jobId: `photos-${String(n).padStart(5, '0')}`,
      kind: 'pipeline',
      source: 'photos',
      task: 'thumb',
      maxAttempts: 3,
      timeoutSeconds: 60,
      input: { S3_KEY: n % 10 === 0 ? `rare/${n}.jpg` : `common/${n}.jpg` },
    },
    new Date(T0 + n * 1000),
  );
  return { ...base, ...overrides };
}

/**
 * The ledger's listing over an array, a page at a time, counting the reads: newest first, or in key
 * order within a source for a key prefix, as the ledger's indexes give them.
 */
class ListingOf implements Pick<JobStore, 'listJobs'> {
  reads = 0;
  constructor(private readonly jobs: Job[]) {}
  async listJobs(query: JobQuery): Promise<JobPage> {
    this.reads++;
    const since = query.since?.toISOString() ?? '';
    const { keyPrefix } = query;
    if (keyPrefix && !query.source) throw new Error('a key prefix needs a source');
    const keyOf = (j: Job) => j.input.S3_KEY ?? '';
    const sorted = [...this.jobs]
      .filter((j) => j.createdAt >= since)
      .filter((j) => !keyPrefix || (j.source === query.source && keyOf(j).startsWith(keyPrefix)))
      .sort((a, b) => (keyPrefix ? (keyOf(a) < keyOf(b) ? -1 : 1) : a.createdAt < b.createdAt ? 1 : -1));
    const start = Number(query.cursor ?? 0);
    const page = sorted.slice(start, start + (query.limit ?? 25));
    const end = start + page.length;
    return { jobs: page, ...(end < sorted.length ? { cursor: String(end) } : {}) };
  }
}

describe('assets', () => {
  it('build with esbuild into a page, one script and one stylesheet, within 250 KB gzipped', async () => {
    const assets = await buildAssets();
    const paths = [...assets.byPath.keys()].sort();
    console.log(`console assets: ${(assets.gzippedBytes / 1024).toFixed(1)} KB gzipped`);
    expect(paths).toEqual(['/assets/main.css', '/assets/main.js', '/index.html']);
    expect(assets.gzippedBytes).toBeLessThanOrEqual(ASSET_BUDGET_BYTES);
    // Offline: the page loads nothing from elsewhere.
    expect(assets.byPath.get('/index.html')?.body.toString()).not.toMatch(/(src|href)="https?:/);
  });
});

describe('the jobs query', () => {
  it('keeps source, state, range and prefix, and names a bad parameter', () => {
    const parsed = parseJobQuery(
      new URLSearchParams('source=photos&state=failed&since=2026-11-20T10:00:00Z&prefix=rare/&limit=20'),
    );
    expect(parsed).toEqual({
      filter: { source: 'photos', state: 'FAILED', since: '2026-11-20T10:00:00.000Z', prefix: 'rare/' },
      limit: 20,
    });
    expect(() => parseJobQuery(new URLSearchParams('state=DONE'))).toThrow(/state must be a job state/);
    expect(() => parseJobQuery(new URLSearchParams('until=yesterday'))).toThrow(ConsoleRequestError);
    expect(() => parseJobQuery(new URLSearchParams('limit=5000'))).toThrow(/limit must be/);
  });

  it('asks the ledger for a key prefix, so a rare prefix is one read a page, in key order', async () => {
    const all = Array.from({ length: 2000 }, (_, n) => job(n));
    const ledger = new ListingOf(all);
    const seen: string[] = [];
    let cursor: string | undefined;
    let requests = 0;
    do {
      ledger.reads = 0;
      const filter = { source: 'photos', prefix: 'rare/' };
      const page = await listJobPage(ledger as unknown as JobStore, filter, 50, cursor);
      expect(ledger.reads).toBe(1);
      seen.push(...page.jobs.map((j) => j.input.S3_KEY ?? ''));
      cursor = page.cursor;
      requests++;
    } while (cursor && requests < 1000);
    const expected = all
      .map((j) => j.input.S3_KEY ?? '')
      .filter((key) => key.startsWith('rare/'))
      .sort();
    expect(seen).toEqual(expected);
    expect(requests).toBe(Math.ceil(expected.length / 50));
  });

  it('stops after MAX_PAGE_READS reads when what the ledger lists rarely matches, and says where to go on', async () => {
    // The fake ledger applies the source and prefix only, as the key index does; the state is left to the walk.
    const all = Array.from({ length: 2000 }, (_, n) => job(n, n === 5 ? { state: 'FAILED' } : {}));
    const ledger = new ListingOf(all);
    const filter = { source: 'photos', prefix: 'common/', state: 'FAILED' as const };

    const page = await listJobPage(ledger as unknown as JobStore, filter, 5);

    expect(ledger.reads).toBe(MAX_PAGE_READS);
    expect(page.examined).toBe(5 * MAX_PAGE_READS);
    expect(page.cursor).toBeDefined();
  });

  it('lists a key prefix within the only pipeline, and asks which one when there are several', () => {
    expect(withPrefixSource({ prefix: 'rare/' }, ['photos'])).toEqual({ prefix: 'rare/', source: 'photos' });
    expect(withPrefixSource({ prefix: 'rare/', source: 'reports' }, ['photos', 'reports'])).toEqual({
      prefix: 'rare/',
      source: 'reports',
    });
    expect(() => withPrefixSource({ prefix: 'rare/' }, ['photos', 'reports'])).toThrow(
      /key prefix lists one pipeline's jobs: pick a pipeline \(photos, reports\)/,
    );
  });

  it('asks the ledger for the time range', async () => {
    const ledger = new ListingOf(Array.from({ length: 500 }, (_, n) => job(n)));
    const page = await listJobPage(ledger as unknown as JobStore, { since: at(450) }, 200);
    expect(page.jobs.map((j) => j.jobId)).toEqual(
      Array.from({ length: 50 }, (_, i) => `photos-${String(499 - i).padStart(5, '0')}`),
    );
    expect(page.cursor).toBeUndefined();
    expect(ledger.reads).toBe(1);
  });
});

describe('a job timeline', () => {
  it('puts each attempt on the axis: the wait from its SUBMITTED entry, then its task phases up to the stop', () => {
    const retried = job(1, {
      createdAt: at(0),
      state: 'SUCCEEDED',
      attempt: 2,
      finishedAt: at(40),
      history: [
        { at: at(0), state: 'SUBMITTED', attempt: 1 },
        { at: at(12), state: 'SUBMITTED', attempt: 2, reason: 'attempt 1 failed: exit 3 (otherwise: RETRY)' },
        { at: at(40), state: 'SUCCEEDED', attempt: 2 },
      ],
      attempts: {
        '1': {
          attempt: 1,
          taskArn: 'arn:aws:ecs:us-east-1:1:task/c/one',
          lastStatus: 'STOPPED',
          version: 6,
          createdAt: at(1),
          pullStartedAt: at(2),
          startedAt: at(4),
          stoppingAt: at(10),
          stoppedAt: at(11),
          containers: [{ name: 'main', exitCode: 3 }],
        },
        '2': {
          attempt: 2,
          taskArn: 'arn:aws:ecs:us-east-1:1:task/c/two',
          lastStatus: 'STOPPED',
          version: 6,
          createdAt: at(14),
          pullStartedAt: at(15),
          startedAt: at(16),
          stoppedAt: at(39),
          containers: [{ name: 'main', exitCode: 0 }],
        },
      },
    });
    expect(jobTimeline(retried)).toEqual([
      { attempt: 1, phase: 'waiting', start: at(0), end: at(1) },
      { attempt: 1, phase: 'provisioning', start: at(1), end: at(2) },
      { attempt: 1, phase: 'pull', start: at(2), end: at(4) },
      { attempt: 1, phase: 'running', start: at(4), end: at(10) },
      { attempt: 1, phase: 'stopping', start: at(10), end: at(11) },
      { attempt: 2, phase: 'waiting', start: at(12), end: at(14) },
      { attempt: 2, phase: 'provisioning', start: at(14), end: at(15) },
      { attempt: 2, phase: 'pull', start: at(15), end: at(16) },
      { attempt: 2, phase: 'running', start: at(16), end: at(39) },
    ]);
  });

  it('leaves the current phase open: a job still waiting, a task still running', () => {
    expect(jobTimeline(job(2))).toEqual([{ attempt: 1, phase: 'waiting', start: at(2) }]);
    const running = job(3, {
      state: 'RUNNING',
      attempts: {
        '1': {
          attempt: 1,
          taskArn: 'arn:aws:ecs:us-east-1:1:task/c/three',
          lastStatus: 'RUNNING',
          version: 4,
          createdAt: at(4),
          startedAt: at(6),
          containers: [],
        },
      },
    });
    expect(jobTimeline(running)).toEqual([
      { attempt: 1, phase: 'waiting', start: at(3), end: at(4) },
      { attempt: 1, phase: 'provisioning', start: at(4), end: at(6) },
      { attempt: 1, phase: 'running', start: at(6) },
    ]);
  });
});

describe('the overview', () => {
  it('counts open and failed jobs, the success rate, p50/p95 and cost', () => {
    const now = new Date(T0 + 3600_000);
    const cost = { billedSeconds: 60, vcpuSeconds: 15, gbSeconds: 30, usd: 0.01 };
    const ended = (n: number, state: Job['state'], seconds: number): Job =>
      job(n, {
        state,
        finishedAt: new Date(T0 + n * 1000 + seconds * 1000).toISOString(),
        attempts: {
          '1': { attempt: 1, taskArn: `arn:t/${n}`, lastStatus: 'STOPPED', version: 5, containers: [], cost },
        },
      });
    const jobs = [
      ...Array.from({ length: 18 }, (_, n) => ended(n, 'SUCCEEDED', n + 1)),
      ended(20, 'FAILED', 100),
      ended(21, 'TIMED_OUT', 200),
      job(22, { state: 'RUNNING' }),
    ];
    const stats = sourceStats(jobs, now);
    expect(stats).toMatchObject({
      open: 1,
      failed24h: 2,
      successRate24h: 0.9,
      successRate7d: 0.9,
      jobs7d: 21,
    });
    expect(stats.p50Ms).toBe(10_000);
    expect(stats.p95Ms).toBe(100_000);
    expect(stats.cost7dUsd).toBeCloseTo(0.2);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('the live feed', () => {
  const NO_WORKERS = {
    intervalMs: 60_000,
    workerStatus: async () => {
      throw new Error('no worker is followed here');
    },
    onError: () => {},
  };

  it('sends each job as /api/jobs has it, with its cost: the jobs page merges live rows into fetched ones', async () => {
    const finished = job(1, {
      state: 'SUCCEEDED',
      attempts: {
        '1': {
          attempt: 1,
          taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/c/one',
          lastStatus: 'STOPPED',
          version: 6,
          cpu: 1024,
          memory: 2048,
          capacityProvider: 'FARGATE',
          createdAt: at(1),
          pullStartedAt: at(2),
          startedAt: at(5),
          stoppedAt: at(65),
          containers: [{ name: 'main', exitCode: 0 }],
          cost: attemptCost(
            {
              cpu: 1024,
              memory: 2048,
              architecture: 'x86_64',
              capacityProvider: 'FARGATE',
              billingStart: new Date(at(2)),
              stoppedAt: new Date(at(65)),
            },
            DEFAULT_PRICES,
          ),
        },
      },
    });
    const waiting = job(2);
    const backend = { deps: { jobs: new ListingOf([finished, waiting]) } } as unknown as ConsoleBackend;
    const feed = new LiveFeed(backend, NO_WORKERS);
    const sent: unknown[] = [];
    feed.subscribe({ jobs: new Set(), workers: new Set(), send: (_event, data) => sent.push(data) });

    await feed.tick();
    // As `stevedore jobs list --json` prints them, newest first.
    expect(sent).toEqual([
      [waiting, finished].map((j) => ({ ...j, history: jobHistory(j), cost: jobCost(j) })),
    ]);
    expect(jobCost(finished).usd).toBeGreaterThan(0);
    feed.close();
  });

  it('reads the newest page once a tick for every page open, and sends only what changed', async () => {
    const jobs = Array.from({ length: 150 }, (_, n) => job(n));
    const ledger = new ListingOf(jobs);
    let gets = 0;
    const store = {
      listJobs: (query: JobQuery) => ledger.listJobs(query),
      getJob: async (id: string) => {
        gets++;
        return jobs.find((j) => j.jobId === id);
      },
    };
    const backend = { deps: { jobs: store } } as unknown as ConsoleBackend;
    const feed = new LiveFeed(backend, NO_WORKERS);
    const sent: [string, string[]][] = [];
    const page = (name: string, follow: string[] = []) => ({
      jobs: new Set(follow),
      workers: new Set<string>(),
      send: (event: string, data: unknown) =>
        sent.push([`${name} ${event}`, (data as Job[]).map((j) => j.jobId)]),
    });
    // An old job (off the newest page) followed by two pages: read once, not once per page.
    const old = 'photos-00003';
    feed.subscribe(page('a', [old]));
    feed.subscribe(page('b', [old]));

    await feed.tick();
    expect(ledger.reads).toBe(1);
    expect(gets).toBe(1);
    expect(sent.map(([name, ids]) => [name, ids.length])).toEqual([
      ['a jobs', 101],
      ['b jobs', 101],
    ]);

    sent.length = 0;
    await feed.tick();
    expect(sent).toEqual([]);

    const moved = jobs.findIndex((j) => j.jobId === 'photos-00140');
    jobs[moved] = { ...(jobs[moved] as Job), state: 'RUNNING', updatedAt: at(1000) };
    await feed.tick();
    expect(sent).toEqual([
      ['a jobs', ['photos-00140']],
      ['b jobs', ['photos-00140']],
    ]);
    expect(ledger.reads).toBe(3);
    feed.close();
  });
});

describe('actions', () => {
  const origins = new Set(['http://127.0.0.1:4569', 'http://localhost:4569']);
  const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it('need the console’s own Origin and the run’s secret', () => {
    expect(() =>
      checkAction(
        request({ origin: 'http://127.0.0.1:4569', 'x-stevedore-token': 'secret' }),
        'secret',
        origins,
      ),
    ).not.toThrow();
    expect(() => checkAction(request({ 'x-stevedore-token': 'secret' }), 'secret', origins)).toThrow(
      ConsoleForbiddenError,
    );
    expect(() =>
      checkAction(
        request({ origin: 'https://evil.example', 'x-stevedore-token': 'secret' }),
        'secret',
        origins,
      ),
    ).toThrow(/Origin https:\/\/evil.example/);
    expect(() =>
      checkAction(
        request({ origin: 'http://localhost:4569', 'x-stevedore-token': 'secreT' }),
        'secret',
        origins,
      ),
    ).toThrow(/secret/);
    expect(() => checkAction(request({ origin: 'http://localhost:4569' }), 'secret', origins)).toThrow(
      /secret/,
    );
  });
});
