import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { isTerminal, type Job, type SourceStats } from '@stevedore/core/job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevProcess, eventually, jobsOf, runCli, startDev } from '../support/dev-process';

/*
 * Fargate Spot with on-demand fallback under `stevedore dev --faults spot=0.5,spot-interrupt=0.2`:
 * half the Spot launches are refused for capacity and a fifth of the Spot tasks that run are taken
 * back (a one-second warning instead of AWS's two minutes). A burst of objects must all end
 * SUCCEEDED, no attempt may have run twice, and every attempt must say what it asked for and why.
 * SPOT_BURST sets the size (default 20).
 */

const CONFIG = 'test/e2e/configs/spot.config.ts';
const COUNT = Number(process.env.SPOT_BURST ?? '20');

/** Every task ECS started for a job, with the attempt each was launched for. */
async function tasksOf(dev: DevProcess, jobId: string): Promise<{ taskArn: string; attempt: string }[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const page = await dev.ecs.send(
      new ListTasksCommand({ cluster: dev.endpoints.cluster, startedBy: jobId, desiredStatus }),
    );
    arns.push(...(page.taskArns ?? []));
  }
  if (arns.length === 0) return [];
  const { tasks = [] } = await dev.ecs.send(
    new DescribeTasksCommand({ cluster: dev.endpoints.cluster, tasks: arns }),
  );
  return tasks.map((task) => ({
    taskArn: task.taskArn ?? '',
    attempt:
      task.overrides?.containerOverrides?.[0]?.environment?.find((e) => e.name === 'STEVEDORE_ATTEMPT')
        ?.value ?? '',
  }));
}

describe('stevedore dev with Spot refusals and interruptions', () => {
  let dev: DevProcess;
  beforeAll(async () => {
    dev = await startDev({
      config: CONFIG,
      faults: 'spot=0.5,spot-interrupt=0.2,spot-warning=1',
      env: { STEVEDORE_DYNAMODB_START_SECONDS: '150' },
      timeoutMs: 200_000,
    });
  }, 240_000);
  afterAll(async () => {
    await dev?.stop();
  }, 60_000);

  it(`runs a burst of ${COUNT} objects to SUCCEEDED, each attempt once, with its capacity and why`, async () => {
    const started = Date.now();
    await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        dev.s3.send(new PutObjectCommand({ Bucket: 'e2e-inbox', Key: `spot/burst-${i}.txt`, Body: 'x' })),
      ),
    );
    const jobs: Job[] = await eventually(
      async () => {
        const found = await jobsOf(dev, 'spotty');
        return found.length >= COUNT && found.every((j) => isTerminal(j.state)) ? found : undefined;
      },
      60_000 + COUNT * 4_000,
      `${COUNT} spotty jobs to finish`,
    );
    const elapsed = (Date.now() - started) / 1000;

    expect(jobs).toHaveLength(COUNT);
    expect(jobs.filter((j) => j.state !== 'SUCCEEDED').map((j) => [j.jobId, j.state, j.reason])).toEqual([]);
    const attempts = jobs.flatMap((job) => Object.values(job.attempts));
    for (const attempt of attempts) {
      expect(attempt.capacityAsked).toMatch(/^FARGATE(_SPOT)?$/);
      expect(attempt.capacityReason).toBeDefined();
      expect(attempt.capacityProvider).toBe(attempt.capacityAsked);
    }
    // No attempt ran twice: one ECS task per attempt the ledger recorded, never two for one attempt.
    let tasks = 0;
    for (const job of jobs) {
      const started = await tasksOf(dev, job.jobId);
      tasks += started.length;
      expect(new Set(started.map((t) => t.attempt)).size).toBe(started.length);
      expect(started.map((t) => t.taskArn).sort()).toEqual(
        Object.values(job.attempts)
          .map((a) => a.taskArn)
          .sort(),
      );
    }
    const count = (values: string[]) => {
      const counts: Record<string, number> = {};
      for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
      return counts;
    };
    const refusals = jobs
      .flatMap((j) => j.history)
      .filter((h) => h.reason?.endsWith('relaunching on FARGATE'));
    const interrupted = attempts.filter((a) => a.stopCode === 'SpotInterruption');
    const figures = {
      objects: COUNT,
      seconds: Math.round(elapsed),
      succeeded: jobs.filter((j) => j.state === 'SUCCEEDED').length,
      attempts: attempts.length,
      tasks,
      spotRefusalsRelaunchedOnFargate: refusals.length,
      spotInterruptions: interrupted.length,
      ranOn: count(attempts.map((a) => a.capacityProvider ?? '?')),
      why: count(attempts.map((a) => a.capacityReason ?? '?')),
    };
    console.log(`spot burst figures: ${JSON.stringify(figures)}`);
    expect(tasks).toBe(attempts.length);

    // The operator's view: one interrupted job's phases, and the pipeline's stats.
    const stats = await runCli(['pipelines', 'stats', 'spotty', '--state-dir', dev.stateDir, '--json']);
    expect(stats.code).toBe(0);
    const summary = JSON.parse(stats.stdout) as SourceStats;
    expect(summary).toMatchObject({ jobs: COUNT, successRate: 1, attempts: attempts.length });
    expect(summary.phases.pull?.p50).toBeGreaterThanOrEqual(0.5);
    const victim = jobs.find((j) => Object.values(j.attempts).some((a) => a.stopCode === 'SpotInterruption'));
    if (victim) {
      const shown = await runCli(['jobs', 'show', victim.jobId, '--state-dir', dev.stateDir]);
      expect(shown.stdout).toContain('attempt 1  FARGATE_SPOT (asked FARGATE_SPOT: Spot by policy)');
      expect(shown.stdout).toMatch(
        /attempt 2 {2}FARGATE \(asked FARGATE: Spot interrupted an attempt: on-demand\)/,
      );
      expect(shown.stdout).toMatch(/ {2}image pull +\d/);
      console.log(`jobs show ${victim.jobId}:\n${shown.stdout}`);
    }
  }, 900_000);
});
