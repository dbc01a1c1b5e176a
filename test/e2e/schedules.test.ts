import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { keys, TTL_ATTRIBUTE } from '@stevedore/aws/ledger';
import { type Job, STOP_REASONS } from '@stevedore/core/job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DevProcess,
  eventually,
  jobsOf as jobsOfSource,
  runCli,
  startDev,
} from '../support/dev-process';

/*
 * Schedules end to end: `stevedore dev --time-scale 20` fires rate(1 minute) every 3 real seconds,
 * and every run outlasts that, so skip, replace and allow each have to do their job. Every firing
 * (and every ECS event) is delivered twice, as Scheduler and EventBridge may.
 */

const CONFIG = 'test/e2e/configs/schedules.config.ts';

let dev: DevProcess;

const jobsOf = (source: string) => jobsOfSource(dev, source);

/** When a job's task ran: from its first attempt's start to its stop (or now, while it runs). */
function span(job: Job): { from: number; to: number } | undefined {
  const attempt = job.attempts['1'];
  if (!attempt?.startedAt) return undefined;
  return {
    from: Date.parse(attempt.startedAt),
    to: attempt.stoppedAt ? Date.parse(attempt.stoppedAt) : Number.POSITIVE_INFINITY,
  };
}

function overlapping(jobs: Job[]): [Job, Job] | undefined {
  const ran = jobs
    .map((job) => ({ job, span: span(job) }))
    .filter((r): r is { job: Job; span: { from: number; to: number } } => r.span !== undefined)
    .sort((a, b) => a.span.from - b.span.from);
  for (let i = 1; i < ran.length; i += 1) {
    const previous = ran[i - 1];
    const current = ran[i];
    if (previous && current && current.span.from < previous.span.to) return [previous.job, current.job];
  }
  return undefined;
}

beforeAll(async () => {
  dev = await startDev({
    config: CONFIG,
    args: ['--time-scale', '20'],
    faults: 'duplicate=1',
    env: { STEVEDORE_LOG_LEVEL: 'debug' },
  });
}, 90_000);

afterAll(async () => {
  if (dev) expect(await dev.stop()).toBe(0);
}, 60_000);

describe('stevedore dev with schedules', () => {
  it('skip: a firing while a run is active is recorded as skipped, and runs never overlap', async () => {
    const jobs = await eventually(
      async () => {
        const all = await jobsOf('skipper');
        const skipped = all.filter((j) => j.state === 'CANCELLED');
        const succeeded = all.filter((j) => j.state === 'SUCCEEDED');
        return skipped.length >= 2 && succeeded.length >= 1 ? all : undefined;
      },
      60_000,
      'skipper to skip twice and finish a run',
    );
    for (const job of jobs.filter((j) => j.state === 'CANCELLED')) {
      expect(job.reason).toMatch(
        /^(skipped: run skipper-[0-9a-f]+ is still active|gave way: run skipper-[0-9a-f]+ took the schedule meanwhile) \(overlap: skip\)$/,
      );
      expect(job.attempts).toEqual({});
    }
    expect(jobs.filter((j) => span(j) !== undefined).length).toBeGreaterThanOrEqual(1);
    expect(overlapping(jobs)).toBeUndefined();
    // Each run is one scheduled time, a whole minute of the schedule's (sped-up) clock.
    const times = jobs.map((j) => j.input.STEVEDORE_SCHEDULED_TIME ?? '');
    expect(new Set(times).size).toBe(jobs.length);
    for (const time of times) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
  }, 90_000);

  it('replace: each firing stops the active run, which ends CANCELLED saying it was replaced', async () => {
    const jobs = await eventually(
      async () => {
        const all = await jobsOf('replacer');
        const replaced = all.filter((j) => j.state === 'CANCELLED');
        return replaced.length >= 2 ? all : undefined;
      },
      60_000,
      'replacer to replace two runs',
    );
    // Each was replaced by a newer run, or (two firings racing for the schedule on a busy machine)
    // gave way to the run that took it first: never skipped as if the policy were skip.
    const replaced = jobs.filter((j) => j.state === 'CANCELLED');
    for (const job of replaced)
      expect(job.reason).toMatch(
        new RegExp(
          `^(${STOP_REASONS.replaced}|gave way: run replacer-[0-9a-f]+ took the schedule meanwhile \\(overlap: replace\\))`,
        ),
      );
    // Runs sleep ten minutes: nothing ends on its own, everything but the newest was replaced.
    expect(jobs.filter((j) => j.state === 'SUCCEEDED')).toEqual([]);
    const stillRunning = jobs.filter((j) => !['CANCELLED'].includes(j.state));
    expect(stillRunning.length).toBeLessThanOrEqual(2);
  }, 90_000);

  it('allow: runs overlap', async () => {
    const pair = await eventually(
      async () => overlapping(await jobsOf('allower')),
      60_000,
      'two allower runs at once',
    );
    expect(pair[0].jobId).not.toBe(pair[1].jobId);
  }, 90_000);

  it('a redelivered firing starts nothing new: one task per run', async () => {
    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      let nextToken: string | undefined;
      do {
        const page = await dev.ecs.send(
          new ListTasksCommand({
            cluster: dev.endpoints.cluster,
            desiredStatus,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        arns.push(...(page.taskArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    }
    const runs: string[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const { tasks } = await dev.ecs.send(
        new DescribeTasksCommand({ cluster: dev.endpoints.cluster, tasks: arns.slice(i, i + 100) }),
      );
      for (const task of tasks ?? []) {
        const env = task.overrides?.containerOverrides?.[0]?.environment ?? [];
        const value = (name: string) => env.find((e) => e.name === name)?.value;
        runs.push(`${value('STEVEDORE_JOB_ID')}#${value('STEVEDORE_ATTEMPT')}`);
      }
    }
    expect(runs.length).toBeGreaterThanOrEqual(6);
    expect(runs.filter((run, i) => runs.indexOf(run) !== i)).toEqual([]);
    // The copies did arrive, and were recognized as the same runs.
    expect(dev.output()).toContain('"outcome":"duplicate"');
  }, 60_000);

  it('a disabled schedule never fires, and `stevedore schedules run` starts it by hand', async () => {
    expect(await jobsOf('paused')).toEqual([]);
    const run = await runCli(['schedules', 'run', 'paused', '--state-dir', dev.stateDir, '--config', CONFIG]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const jobId = /job (paused-[0-9a-f]+)/.exec(run.stdout)?.[1];
    expect(jobId, run.stdout).toBeDefined();
    const job = await eventually(
      async () => {
        const found = await dev.ledger.jobs.getJob(jobId ?? '');
        return found?.state === 'SUCCEEDED' ? found : undefined;
      },
      30_000,
      'the manual run to succeed',
    );
    expect(job.kind).toBe('schedule');
    expect(job.input.STEVEDORE_SCHEDULE).toBe('paused');

    const unknown = await runCli([
      'schedules',
      'run',
      'nope',
      '--state-dir',
      dev.stateDir,
      '--config',
      CONFIG,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no schedule "nope"');
  }, 60_000);

  it("a run that `stevedore schedules run` records expires after the config's retentionDays", async () => {
    // skipper's runs (7 s) outlast its rate (3 s here): a manual run meets an active one and the CLI
    // itself records it as skipped, ended at once, with its expiry. Rarely none is active: try again.
    let jobId: string | undefined;
    for (let tries = 0; tries < 10 && !jobId; tries += 1) {
      const run = await runCli([
        'schedules',
        'run',
        'skipper',
        '--state-dir',
        dev.stateDir,
        '--config',
        CONFIG,
      ]);
      expect(run.code, run.stderr).toBe(0);
      jobId = /skipper: skipped \(job (skipper-[0-9a-f]+)\)/.exec(run.stdout)?.[1];
    }
    expect(jobId, 'a manual run of skipper skipped while another run was active').toBeDefined();
    const dynamo = new DynamoDBClient({
      region: dev.endpoints.region,
      endpoint: dev.endpoints.dynamodb,
      credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' },
    });
    try {
      const { pk, sk } = keys.job(jobId ?? '');
      const { Item } = await dynamo.send(
        new GetItemCommand({ TableName: dev.endpoints.table, Key: { pk: { S: pk }, sk: { S: sk } } }),
      );
      const expiresAt = Number(Item?.[TTL_ATTRIBUTE]?.N);
      const finishedAt = Date.parse(Item?.updatedAt?.S ?? '');
      expect(Item?.state?.S).toBe('CANCELLED');
      expect((expiresAt * 1000 - finishedAt) / 86_400_000).toBeCloseTo(7, 2);
    } finally {
      dynamo.destroy();
    }
  }, 60_000);

  it('stevedore schedules lists each schedule, its next fire times and its last runs', async () => {
    const json = await runCli(['schedules', '--json', '--state-dir', dev.stateDir, '--config', CONFIG]);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(listed.map((s) => s.name)).toEqual(['skipper', 'replacer', 'allower', 'paused']);
    for (const status of listed) {
      expect(Object.keys(status).sort()).toEqual(
        ['enabled', 'expression', 'lastRun', 'lastSuccess', 'name', 'next', 'overlap', 'timezone'].sort(),
      );
    }
    const [skipper, , , paused] = listed;
    expect(skipper?.next).toHaveLength(3);
    expect(skipper?.lastRun).toMatchObject({ jobId: expect.stringMatching(/^skipper-/) });
    expect(skipper?.lastSuccess).toMatchObject({ jobId: expect.stringMatching(/^skipper-/) });
    expect(paused).toMatchObject({ enabled: false, next: [], timezone: 'Asia/Tokyo', overlap: 'skip' });
    expect(paused?.lastRun).toMatchObject({ state: 'SUCCEEDED' });

    const table = await runCli(['schedules', '--state-dir', dev.stateDir, '--config', CONFIG]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^SCHEDULE\s+EXPRESSION\s+OVERLAP\s+NEXT\s+LAST RUN\s+LAST SUCCESS/,
    );
    expect(table.stdout).toContain('paused (disabled)');
    expect(table.stdout).toContain('cron(0 12 * * ? *) Asia/Tokyo');
  }, 60_000);
});
