import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { isTerminal, type Job } from '@stevedore/core/job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type DevProcess, eventually, REPO, runCli, startDev } from '../support/dev-process';

/*
 * The console's JSON API on `stevedore dev`, as the pages use it: rows equal to `stevedore jobs list
 * --json`, a job's timeline from its attempts, its log, live changes over server-sent events, and
 * actions that need the printed URL's secret and the console's own Origin.
 */

const CONFIG = 'test/e2e/configs/console.config.ts';
const BUCKET = 'e2e-console';

let dev: DevProcess;
let base: string;
let token: string;
beforeAll(async () => {
  dev = await startDev({ config: CONFIG });
  const url = new URL(dev.endpoints.console ?? '');
  base = url.origin;
  token = url.searchParams.get('token') ?? '';
});
afterAll(async () => {
  expect(await dev.stop()).toBe(0);
});

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, init);
  return { status: response.status, body: (await response.json()) as T };
}

function act<T>(path: string, body: unknown = {}, headers: Record<string, string> = {}) {
  return api<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, 'x-stevedore-token': token, ...headers },
    body: JSON.stringify(body),
  });
}

async function cli(args: string[]): Promise<unknown> {
  const { code, stdout, stderr } = await runCli([...args, '--state-dir', dev.stateDir, '--config', CONFIG]);
  if (code !== 0) throw new Error(`stevedore ${args.join(' ')} failed: ${stderr}`);
  return JSON.parse(stdout);
}

async function finished(jobId: string): Promise<Job> {
  return eventually(
    async () => {
      const job = await dev.ledger.jobs.getJob(jobId);
      return job && isTerminal(job.state) ? job : undefined;
    },
    90_000,
    `job ${jobId} to finish`,
  );
}

async function jobOf(key: string, state?: Job['state']): Promise<Job> {
  return eventually(
    async () => {
      const { jobs } = await dev.ledger.jobs.listJobs({ limit: 100 });
      return jobs.find((j) => j.input.S3_KEY === key && (!state || j.state === state));
    },
    60_000,
    `a job for ${key}`,
  );
}

describe('console API', () => {
  it('is named in endpoints.json and serves its pages on 127.0.0.1 only, to its own host names', async () => {
    expect(dev.endpoints.console).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    // The banner follows endpoints.json by a moment.
    await eventually(
      async () => (dev.output().includes(`console   ${dev.endpoints.console}`) ? true : undefined),
      10_000,
      'the console URL in the banner',
    );
    const page = await fetch(`${base}/jobs/anything`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/assets/main.js">');
    // A DNS name rebound to 127.0.0.1 reaches the port, but not the data.
    // node:http, not fetch: fetch sends the URL's own Host whatever the headers say (seen on Node 20).
    const rebound = await new Promise<number | undefined>((resolve, reject) =>
      request(`${base}/api/info`, { headers: { host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end(),
    );
    expect(rebound).toBe(403);
  });

  it('lists the jobs of `stevedore jobs list --json`, filters them, and shows a retried job’s attempts on a timeline', async () => {
    for (const key of ['photos/a.jpg', 'photos/b.jpg', 'photos/c.jpg']) {
      await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }
    const jobs = await Promise.all(['a', 'b', 'c'].map((k) => jobOf(`photos/${k}.jpg`)));
    const ended = await Promise.all(jobs.map((j) => finished(j.jobId)));
    expect(ended.map((j) => [j.state, j.attempt])).toEqual([
      ['SUCCEEDED', 2],
      ['SUCCEEDED', 2],
      ['SUCCEEDED', 2],
    ]);

    const listed = (await cli(['jobs', 'list', '--json', '--limit', '50'])) as Job[];
    const { body: page } = await api<{ jobs: Job[] }>('/api/jobs?limit=50');
    expect(page.jobs.map((j) => [j.jobId, j.state, j.attempt])).toEqual(
      listed.map((j) => [j.jobId, j.state, j.attempt]),
    );
    const { body: filtered } = await api<{ jobs: Job[] }>('/api/jobs?source=photos&prefix=photos/b');
    expect(filtered.jobs.map((j) => j.input.S3_KEY)).toEqual(['photos/b.jpg']);
    const bad = await api<{ error: string }>('/api/jobs?state=DONE');
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringContaining('state must be') } });

    const target = ended[0] as Job;
    const { body: detail } = await api<{
      job: Job;
      timeline: { attempt: number; phase: string; start: string; end?: string }[];
    }>(`/api/jobs/${target.jobId}`);
    for (const attempt of [1, 2]) {
      const record = target.attempts[String(attempt)];
      const bars = detail.timeline.filter((b) => b.attempt === attempt);
      expect(bars.find((b) => b.phase === 'running')).toEqual({
        attempt,
        phase: 'running',
        start: record?.startedAt,
        end: record?.stoppingAt ?? record?.stoppedAt,
      });
      expect(bars.at(-1)?.end).toBe(record?.stoppedAt);
    }
    const { body: log } = await api<{ attempt: number; text: string }>(`/api/jobs/${target.jobId}/log`);
    expect(log.attempt).toBe(2);
    expect(log.text).toContain('step 4 of 4');
    expect(log.text).toContain('done');
  });

  it('sends a job’s changes over server-sent events, and cancels it only with the secret and its own Origin', async () => {
    const events = new AbortController();
    const stream = await fetch(`${base}/api/events`, { signal: events.signal });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received += new TextDecoder().decode(value);
      }
    })();

    await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'held/one', Body: 'x' }));
    const running = await jobOf('held/one', 'RUNNING');
    await eventually(
      async () =>
        received
          .split('\n\n')
          .some((e) => e.startsWith('event: jobs') && e.includes(running.jobId) && e.includes('"RUNNING"'))
          ? true
          : undefined,
      30_000,
      'a jobs event with the running job',
    );

    const path = `/api/jobs/${running.jobId}/cancel`;
    expect((await act(path, {}, { 'x-stevedore-token': 'wrong' })).status).toBe(403);
    expect((await act(path, {}, { origin: 'https://attacker.example' })).status).toBe(403);
    const noOrigin = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'x-stevedore-token': token },
    });
    expect(noOrigin.status).toBe(403);
    expect((await dev.ledger.jobs.getJob(running.jobId))?.state).toBe('RUNNING');

    const cancelled = await act<{ outcome: string }>(path, { reason: 'from the console' });
    expect(cancelled).toMatchObject({ status: 200, body: { outcome: 'stopping' } });
    expect(await finished(running.jobId)).toMatchObject({
      state: 'CANCELLED',
      cancelRequested: 'from the console',
    });
    await eventually(
      async () =>
        received.split('\n\n').some((e) => e.includes(running.jobId) && e.includes('"CANCELLED"'))
          ? true
          : undefined,
      30_000,
      'a jobs event with the cancelled job',
    );
    events.abort();
    await pump;

    const retried = await act<{ created: boolean; job: Job }>(`/api/jobs/${running.jobId}/retry`);
    expect(retried).toMatchObject({ status: 200, body: { created: true, job: { retryOf: running.jobId } } });
    await act(`/api/jobs/${retried.body.job.jobId}/cancel`);
  });

  it('runs a schedule now, lists it with its next runs in its zone, and reads the worker’s decisions as `workers history --json`', async () => {
    const run = await act<{ outcome: string; jobId: string }>('/api/schedules/nightly/run');
    expect(run).toMatchObject({ status: 200, body: { outcome: 'started' } });
    const { body: schedules } =
      await api<{ name: string; timezone: string; next: string[]; lastRuns: { jobId: string }[] }[]>(
        '/api/schedules',
      );
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.next[0]).toMatch(/T02:30:00\+0[12]:00$/);
    expect(schedules[0]?.lastRuns.map((r) => r.jobId)).toContain(run.body.jobId);
    await act(`/api/jobs/${run.body.jobId}/cancel`);

    const { body: worker } = await api<{ decisions: { at: string }[] }>('/api/workers/work?limit=20');
    const history = (await cli(['workers', 'history', 'work', '--json', '--limit', '20'])) as {
      at: string;
    }[];
    // Both newest first; the runtime may record a decision between the two reads.
    const common = history.filter((d) => worker.decisions.some((w) => w.at === d.at));
    expect(common.length).toBeGreaterThanOrEqual(history.length - 1);
    expect(worker.decisions.filter((d) => common.some((c) => c.at === d.at))).toEqual(common);
    expect((await api('/api/workers/nobody')).status).toBe(404);
    expect((await api<{ letters: unknown[] }>('/api/dead-letters')).body.letters).toEqual([]);
  });

  it('is served alone by `stevedore console` against the running local runtime, until Ctrl-C', async () => {
    const child = spawn(process.execPath, [CLI, 'console', '--state-dir', dev.stateDir, '--config', CONFIG], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await eventually(
      async () => /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(output)?.[0],
      60_000,
      'the console URL',
    );
    const alone = new URL(url);
    expect(alone.origin).not.toBe(base);
    const info = (await (await fetch(`${alone.origin}/api/info`)).json()) as {
      where: string;
      workers: string[];
    };
    expect(info).toMatchObject({ where: `local runtime ${dev.stateDir}`, workers: ['work'] });
    // Its own secret: the dev console's does not act here.
    const refused = await fetch(`${alone.origin}/api/schedules/nightly/run`, {
      method: 'POST',
      headers: { origin: alone.origin, 'x-stevedore-token': token },
    });
    expect(refused.status).toBe(403);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
