import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { attemptCost, DEFAULT_PRICES, isTerminal, type Job, newJob } from '@stevedore/core/job';
import type { DecisionRecord } from '@stevedore/core/ports';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevProcess, eventually, REPO, runCli, startDev } from '../support/dev-process';

/*
 * The console in a real browser (headless Chromium from the system's `chromium` package, driven by
 * playwright-core; no browser download) against `stevedore dev`: each page opened and checked against
 * the CLI's JSON, a running job cancelled from its page, a screenshot of each page under
 * test-output/console/ (STEVEDORE_DOCS_SCREENSHOTS=1 also copies two to docs/ for the README), and
 * the time to first render of /jobs with 2,000 jobs in the ledger printed (not asserted: timing).
 */

/**
 * What the code run in the page uses of its document: the tests are type-checked without the DOM's
 * types (and the console's Content-Security-Policy refuses code passed as strings).
 */
declare const document: {
  querySelectorAll(selector: string): { length: number };
  activeElement: { textContent: string | null; getAttribute(name: string): string | null } | null;
  body: object;
};
declare function getComputedStyle(element: object): { backgroundColor: string; color: string };

const CONFIG = 'test/e2e/configs/console.config.ts';
const BUCKET = 'e2e-console';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = join(REPO, 'test-output', 'console');
const BULK_JOBS = 2000;

let dev: DevProcess;
let browser: Browser;
let page: Page;
let base: string;
/** Errors thrown in the page (a render that throws leaves Preact's last DOM standing: a silent freeze). */
const pageErrors: string[] = [];
/** The time the bulk jobs were made relative to (their creation times follow from it). */
let bulkNow: number;

beforeAll(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  dev = await startDev({ config: CONFIG });
  base = new URL(dev.endpoints.console ?? '').origin;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // The printed URL: the page keeps its secret and takes it out of the address bar.
  await page.goto(dev.endpoints.console ?? '');
  await page.waitForSelector('h1');
  expect(new URL(page.url()).search).toBe('');
});
afterAll(async () => {
  await browser?.close();
  expect(await dev?.stop()).toBe(0);
});

async function cli<T>(args: string[]): Promise<T> {
  const { code, stdout, stderr } = await runCli([...args, '--state-dir', dev.stateDir, '--config', CONFIG]);
  if (code !== 0) throw new Error(`stevedore ${args.join(' ')} failed: ${stderr}`);
  return JSON.parse(stdout) as T;
}

async function jobOf(key: string, state?: Job['state']): Promise<Job> {
  return eventually(
    async () => {
      const { jobs } = await dev.ledger.jobs.listJobs({
        source: key.startsWith('held/') ? 'held' : 'photos',
        limit: 50,
      });
      return jobs.find((j) => j.input.S3_KEY === key && (!state || j.state === state));
    },
    90_000,
    `a ${state ?? ''} job for ${key}`,
  );
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

/** A screenshot of the whole page, and with `docs`, of the window for the README (docs/<docs>.png). */
async function screenshot(name: string, docs?: string): Promise<void> {
  await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
  if (docs && process.env.STEVEDORE_DOCS_SCREENSHOTS) {
    await page.screenshot({ path: join(REPO, 'docs', `${docs}.png`) });
  }
}

/** When bulk job `n` was created: 4 s apart, the newest three hours before `now`. */
function bulkCreatedAt(n: number, now: number): number {
  return now - 3 * 3600_000 - (BULK_JOBS - n) * 4_000;
}

/** A job that ran and ended some hours ago, as the ledger would hold it: the bulk the table pages through. */
function pastJob(n: number, now: number): Job {
  const created = bulkCreatedAt(n, now);
  const t = (ms: number) => new Date(created + ms).toISOString();
  const runMs = 3_000 + ((n * 7919) % 40_000);
  const outcome =
    n % 41 === 0 ? 'TIMED_OUT' : n % 13 === 0 ? 'FAILED' : n % 97 === 0 ? 'CANCELLED' : 'SUCCEEDED';
  const base = newJob(
    {
      jobId: `photos-bulk-${String(n).padStart(4, '0')}`,
      kind: 'pipeline',
      source: 'photos',
      task: 'retryOnce',
      maxAttempts: 3,
      timeoutSeconds: 120,
      input: { S3_BUCKET: BUCKET, S3_KEY: `archive/2026/11/${String(n).padStart(4, '0')}.jpg` },
    },
    new Date(created),
  );
  const stopped = t(2_500 + runMs);
  const cost = attemptCost(
    {
      cpu: 512,
      memory: 1024,
      architecture: 'x86_64',
      capacityProvider: 'FARGATE',
      billingStart: new Date(created + 1_000),
      stoppedAt: new Date(stopped),
    },
    DEFAULT_PRICES,
  );
  const reason = {
    SUCCEEDED: undefined,
    FAILED: 'attempt 1 failed: exit 1 (otherwise: EXIT)',
    TIMED_OUT: 'attempt 1 ran past its 120 s timeout',
    CANCELLED: 'cancelled by an operator',
  }[outcome];
  return {
    ...base,
    state: outcome,
    finishedAt: stopped,
    updatedAt: stopped,
    ...(reason ? { reason } : {}),
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/e2ec-local/bulk${n}`,
    attempts: {
      '1': {
        attempt: 1,
        taskArn: `arn:aws:ecs:us-east-1:000000000000:task/e2ec-local/bulk${n}`,
        lastStatus: 'STOPPED',
        version: 6,
        cpu: 512,
        memory: 1024,
        capacityProvider: 'FARGATE',
        createdAt: t(500),
        pullStartedAt: t(1_000),
        startedAt: t(2_000),
        stoppingAt: t(2_000 + runMs),
        stoppedAt: stopped,
        containers: [{ name: 'main', exitCode: outcome === 'SUCCEEDED' ? 0 : 1 }],
        cost,
      },
    },
    history: [
      ...base.history,
      { at: t(2_000), state: 'RUNNING', attempt: 1, taskStatus: 'RUNNING', version: 4 },
      {
        at: stopped,
        state: outcome,
        attempt: 1,
        taskStatus: 'STOPPED',
        version: 6,
        ...(reason ? { reason } : {}),
      },
    ],
  };
}

/** The relative luminance of a computed `rgb(r, g, b)` colour, 0 (black) to 1 (white). */
function luminance(rgb: string): number {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  const linear = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

async function rowsOnPage(): Promise<{ id: string; state: string }[]> {
  return page.$$eval('table.jobs tbody tr', (rows) =>
    rows.map((row) => ({
      id: row.getAttribute('data-job-id') ?? '',
      state: row.getAttribute('data-state') ?? '',
    })),
  );
}

describe('console in a browser', () => {
  let retried: Job;

  it('renders /jobs with 2,000 jobs in the ledger, its rows those of `stevedore jobs list --json`', async () => {
    bulkNow = Date.now();
    for (let i = 0; i < BULK_JOBS; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, BULK_JOBS - i) }, (_, j) =>
          dev.ledger.jobs.createJob(pastJob(i + j, bulkNow)),
        ),
      );
    }
    for (const key of ['photos/harbour.jpg', 'photos/crane.jpg']) {
      await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }
    await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'held/ship-manifest.csv', Body: 'x' }));
    retried = await finished((await jobOf('photos/harbour.jpg')).jobId);
    await finished((await jobOf('photos/crane.jpg')).jobId);
    await jobOf('held/ship-manifest.csv', 'RUNNING');

    // A first visit, in a fresh context (nothing cached): the time to the first paint with the
    // ledger's rows, and what the browser fetched for the page as sent (gzipped).
    const cold = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    cold.on('pageerror', (error) => pageErrors.push(error.message));
    const fetched: Promise<number>[] = [];
    cold.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path === '/jobs' || path.startsWith('/assets/')) {
        fetched.push(
          response
            .request()
            .sizes()
            .then((sizes) => sizes.responseBodySize),
        );
      }
    });
    await cold.goto(`${base}/jobs`);
    const firstRender = await cold.waitForFunction(
      () => performance.getEntriesByName('stevedore:jobs-rendered')[0]?.startTime,
      undefined,
      { timeout: 60_000 },
    );
    const ms = (await firstRender.jsonValue()) as number;
    console.log(`time to first render of /jobs with ${BULK_JOBS} jobs in the ledger: ${ms.toFixed(0)} ms`);
    expect(fetched).toHaveLength(3);
    const assetBytes = (await Promise.all(fetched)).reduce((sum, bytes) => sum + bytes, 0);
    console.log(`console assets as the browser fetched them: ${(assetBytes / 1024).toFixed(1)} KB gzipped`);
    await cold.close();

    await page.goto(`${base}/jobs`);
    await page.waitForSelector('table.jobs tbody tr');

    const listed = await cli<Job[]>(['jobs', 'list', '--json', '--limit', '50']);
    expect(await rowsOnPage()).toEqual(listed.map((j) => ({ id: j.jobId, state: j.state })));
    expect(listed.length).toBe(50);
    await page.locator('tbody tr').first().hover();
    await screenshot('jobs', 'console-jobs');
  }, 900_000);

  it('adds a new job at the top as it arrives, and the next page’s rows with "Load more", as `jobs list --json` has them', async () => {
    await page.goto(`${base}/jobs`);
    await page.waitForSelector('table.jobs tbody tr');
    expect(await rowsOnPage()).toHaveLength(50);
    // No reload: the live feed brings the new job, first as it waits, then as it runs.
    await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'held/late-arrival.csv', Body: 'x' }));
    const late = await jobOf('held/late-arrival.csv');
    await page.locator(`tr[data-job-id="${late.jobId}"][data-state="RUNNING"]`).waitFor({ timeout: 90_000 });
    expect((await rowsOnPage())[0]?.id).toBe(late.jobId);

    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(async () => (await rowsOnPage()).length, { timeout: 30_000 }).toBe(101);
    const listed = await cli<Job[]>(['jobs', 'list', '--json', '--limit', '101']);
    expect(await rowsOnPage()).toEqual(listed.map((j) => ({ id: j.jobId, state: j.state })));
    expect(await page.locator('.pager').innerText()).toMatch(
      /^Load more\s*101 shown; 100 read from the ledger/,
    );
    expect(pageErrors).toEqual([]);
    await screenshot('jobs-load-more');
  }, 300_000);

  it('reads its filters from the URL: the rows are those the filters pick, the controls show them', async () => {
    const minute = 60_000;
    const since = new Date(Math.floor(bulkCreatedAt(1500, bulkNow) / minute) * minute).toISOString();
    const until = new Date(Math.ceil(bulkCreatedAt(1990, bulkNow) / minute) * minute).toISOString();
    const prefix = 'archive/2026/11/1';
    const query = new URLSearchParams({ source: 'photos', state: 'FAILED', since, until, prefix });
    await page.goto(`${base}/jobs?${query}`);
    // A key prefix lists in key order, the state and range applied to what it reads: read to the end.
    await page.locator('table.jobs[aria-busy="false"]').waitFor();
    const loadMore = page.getByRole('button', { name: 'Load more' });
    while ((await loadMore.count()) > 0) {
      await loadMore.click();
      await page.locator('table.jobs[aria-busy="false"]').waitFor();
    }

    const listed = await cli<Job[]>([
      ...['jobs', 'list', '--json', '--pipeline', 'photos', '--status', 'FAILED', '--prefix', prefix],
      ...['--since', since, '--until', until, '--limit', '500'],
    ]);
    // Jobs 1500 to 1990 (give or take a minute) failing, n % 13 and not n % 41.
    expect(listed.length).toBeGreaterThan(20);
    expect(listed.every((j) => j.input.S3_KEY?.startsWith(prefix) && j.state === 'FAILED')).toBe(true);
    expect(await rowsOnPage()).toEqual(listed.map((j) => ({ id: j.jobId, state: j.state })));

    const form = page.getByRole('form', { name: 'Filter jobs' });
    expect(await form.getByLabel('Pipeline or schedule').inputValue()).toBe('photos');
    expect(await form.getByLabel('State').inputValue()).toBe('FAILED');
    expect(await form.getByLabel('Key prefix').inputValue()).toBe(prefix);
    // The range in the browser's own zone, to the minute: read back, the same instants.
    const shownRange = await Promise.all(
      ['Created from', 'until'].map(async (label) => {
        const local = await form.getByLabel(label, { exact: true }).inputValue();
        return page.evaluate((value) => new Date(value).toISOString(), local);
      }),
    );
    expect(shownRange).toEqual([since, until]);
    await screenshot('jobs-filtered');
  });

  it('follows the system’s dark theme', async () => {
    const colours = () =>
      page.evaluate(() => {
        const style = getComputedStyle(document.body);
        return { background: style.backgroundColor, text: style.color };
      });
    await page.goto(`${base}/jobs`);
    await page.waitForSelector('table.jobs tbody tr');
    const light = await colours();
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      const dark = await colours();
      expect(dark.background).not.toBe(light.background);
      expect(luminance(dark.background)).toBeLessThan(0.2);
      expect(luminance(dark.text)).toBeGreaterThan(0.6);
      expect(luminance(light.background)).toBeGreaterThan(0.8);
      await page.locator('tbody tr').first().hover();
      await screenshot('jobs-dark');
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  it('draws a retried job’s attempts on one time axis, as `stevedore jobs show --json` has them, with its log', async () => {
    await page.goto(`${base}/jobs/${retried.jobId}`);
    await page.waitForSelector('svg rect.bar');
    const shown = await cli<Job>(['jobs', 'show', retried.jobId, '--json']);
    const bars = await page.$$eval('svg rect.bar', (rects) =>
      rects.map((r) => ({
        attempt: Number(r.getAttribute('data-attempt')),
        phase: r.getAttribute('data-phase'),
        start: r.getAttribute('data-start'),
        end: r.getAttribute('data-end'),
        name: r.getAttribute('aria-label'),
      })),
    );
    expect(new Set(bars.map((b) => b.attempt))).toEqual(new Set([1, 2]));
    for (const record of Object.values(shown.attempts)) {
      const of = bars.filter((b) => b.attempt === record.attempt);
      expect(of.find((b) => b.phase === 'provisioning')?.start).toBe(record.createdAt);
      expect(of.find((b) => b.phase === 'running')).toMatchObject({
        start: record.startedAt,
        end: record.stoppingAt ?? record.stoppedAt,
      });
      expect(of.at(-1)?.end).toBe(record.stoppedAt);
      expect(of.every((b) => b.name?.startsWith(`Attempt ${record.attempt}, `))).toBe(true);
    }
    // The second attempt's wait starts where the history sent it back to SUBMITTED.
    const resubmitted = shown.history.find((h) => h.attempt === 2 && h.state === 'SUBMITTED');
    expect(bars.find((b) => b.attempt === 2 && b.phase === 'waiting')?.start).toBe(resubmitted?.at);
    // The attempts table: exit codes and the retry rule that decided.
    await expect
      .poll(() => page.locator('tr[data-attempt="1"]').innerText())
      .toMatch(/3[\s\S]*otherwise: RETRY/);
    await expect.poll(() => page.locator('pre.log').innerText(), { timeout: 10_000 }).toContain('done');
    await screenshot('job-timeline', 'console-job');
    // Bars are reachable by keyboard, each with its name.
    await page.locator('svg rect.bar').first().focus();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(
      /^Attempt 1, waiting \(slot or backoff\): /,
    );
  }, 300_000);

  it('cancels a running job from its page, which follows it to CANCELLED', async () => {
    const running = await jobOf('held/ship-manifest.csv', 'RUNNING');
    await page.goto(`${base}/jobs/${running.jobId}`);
    await expect
      .poll(() => page.locator('pre.log').innerText(), { timeout: 20_000 })
      .toContain('hanging until stopped');
    await screenshot('job-running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('status').filter({ hasText: 'Stopping its task' }).waitFor();
    // No reload: the live feed brings the end.
    await page.locator('.facts .badge', { hasText: 'CANCELLED' }).waitFor({ timeout: 60_000 });
    expect(await finished(running.jobId)).toMatchObject({ state: 'CANCELLED', attempt: 1 });
    await screenshot('job-cancelled');
  }, 300_000);

  it('charts a worker’s queue against its tasks from `workers history --json`, each decision marked', async () => {
    const queueUrl = dev.endpoints.queues['e2e-console-work'] as string;
    for (let batch = 0; batch < 3; batch++) {
      await dev.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({
            Id: `m${i}`,
            MessageBody: JSON.stringify({ id: `console-${batch}-${i}`, ms: 1500 }),
          })),
        }),
      );
    }
    await eventually(
      async () => {
        const history = await cli<DecisionRecord[]>(['workers', 'history', 'work', '--json']);
        return history.some((d) => d.change && d.desired > 0) &&
          history.some((d) => d.change && d.desired === 0)
          ? true
          : undefined;
      },
      400_000,
      'the worker to scale out and back in',
    );
    await page.goto(`${base}/workers/work`);
    await page.waitForSelector('.chart canvas');
    const [series, history] = await Promise.all([
      page.getAttribute('.chart [data-series]', 'data-series'),
      cli<DecisionRecord[]>(['workers', 'history', 'work', '--json', '--limit', '500']),
    ]);
    const shownSeries = JSON.parse(series ?? '[]') as number[][];
    const oldestFirst = [...history].reverse();
    // Page and CLI read at different moments, and the page adds decisions live: compare what both hold.
    const n = Math.min(shownSeries[0]?.length ?? 0, oldestFirst.length);
    const expected = oldestFirst.slice(0, n);
    expect(n).toBeGreaterThan(3);
    expect(shownSeries.map((column) => column.slice(0, n))).toEqual([
      expected.map((d) => new Date(d.at).getTime() / 1000),
      expected.map((d) => d.observation.visible),
      expected.map((d) => d.observation.inFlight),
      expected.map((d) => d.desired),
      expected.map((d) => d.observation.running),
      expected.map((d) => d.observation.protected),
    ]);
    expect(await page.getByRole('img', { name: /Chart of visible and in-flight messages/ }).count()).toBe(1);
    // One hover: the chart keeps its cursor (and the reason under it) as decisions arrive live.
    const canvas = await page.locator('.chart canvas').first().boundingBox();
    if (canvas) await page.mouse.move(canvas.x + canvas.width * 0.6, canvas.y + canvas.height / 2);
    await expect.poll(() => page.locator('.chart .hover strong').count(), { timeout: 30_000 }).toBe(1);
    await screenshot('worker');
  }, 600_000);

  it('shows the overview, the schedules with next runs in their zone and Run now, and the dead letters', async () => {
    await page.goto(`${base}/schedules`);
    await page.getByRole('heading', { name: 'Next runs (Europe/Paris)' }).waitFor();
    const next = await page.locator('[data-schedule="nightly"] ol time').first().getAttribute('datetime');
    expect(next).toMatch(/T02:30:00\+0[12]:00$/);
    await page.getByRole('button', { name: 'Run nightly now (overlap skip)' }).click();
    await page.getByRole('status').filter({ hasText: 'Run now: started' }).waitFor();
    const run = await eventually(
      async () => (await dev.ledger.jobs.listJobs({ source: 'nightly', limit: 5 })).jobs[0],
      30_000,
      'the run of nightly',
    );
    await page.locator(`[data-schedule="nightly"] a[href="/jobs/${run.jobId}"]`).first().waitFor();
    await screenshot('schedules');
    await page.getByRole('button', { name: 'Run nightly now (overlap skip)' }).click();
    await page.getByRole('status').filter({ hasText: 'Run now: skipped' }).waitFor();
    await cli(['jobs', 'cancel', run.jobId, '--json']);

    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'photos' }).waitFor();
    expect(await page.locator('article', { hasText: 'photos' }).innerText()).toMatch(/Jobs, 7 d\s*2002/);
    await screenshot('overview');

    await page.goto(`${base}/dead-letters`);
    await page.getByText('Nothing failed to deliver.').waitFor();
    await screenshot('dead-letters');
  }, 300_000);

  it('keeps every control reachable by keyboard and named', async () => {
    await page.goto(`${base}/jobs`);
    await page.waitForSelector('table.jobs tbody tr');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const unnamed = await page.$$eval(
      'button, a, select, input',
      (controls) =>
        controls.filter((c) => !(c.getAttribute('aria-label') || c.textContent?.trim() || c.closest('label')))
          .length,
    );
    expect(unnamed).toBe(0);
  });

  it('threw no error in any page it opened', () => {
    expect(pageErrors).toEqual([]);
  });
});
