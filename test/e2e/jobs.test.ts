import { spawn } from 'node:child_process';
import { ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { isTerminal, type Job, jobHistory, taskIdOf } from '@stevedore/core/job';
import { isAlive, LOCAL_NETWORK_CONFIGURATION } from '@stevedore/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type DevProcess, eventually, jobsOf, REPO, runCli, startDev } from '../support/dev-process';

const CONFIG = 'test/e2e/configs/jobs.config.ts';
const BUCKET = 'e2e-inbox';

async function upload(dev: DevProcess, key: string, body = 'x'): Promise<void> {
  await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function read(dev: DevProcess, key: string): Promise<string> {
  const object = await dev.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

/** Waits until `count` jobs of the source exist and all are terminal. */
async function allFinished(
  dev: DevProcess,
  source: string,
  count: number,
  timeoutMs = 120_000,
): Promise<Job[]> {
  return eventually(
    async () => {
      const jobs = await jobsOf(dev, source);
      return jobs.length >= count && jobs.every((j) => isTerminal(j.state)) ? jobs : undefined;
    },
    timeoutMs,
    `${count} ${source} jobs to finish`,
  );
}

/** Every task ECS started for a job (running and stopped). */
async function tasksOf(dev: DevProcess, jobId: string): Promise<string[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const page = await dev.ecs.send(
      new ListTasksCommand({ cluster: dev.endpoints.cluster, startedBy: jobId, desiredStatus }),
    );
    arns.push(...(page.taskArns ?? []));
  }
  return arns;
}

const UNUSUAL_KEYS = [
  'echo/plain.txt',
  'echo/with space and  two.txt',
  'echo/unicode-éàü-日本語-🚢.txt',
  'echo/shell $(rm -rf ~) `id` ; | & > "quoted" \'single\'.txt',
  'echo/plus+and%20percent%2F.txt',
  'echo/hash#question?equals=amp&.txt',
  'echo/deep/nested//double-slash/./dots/../file',
  'echo/trailing space ',
];

describe('S3 jobs on stevedore dev', () => {
  let dev: DevProcess;
  beforeAll(async () => {
    dev = await startDev({ config: CONFIG });
  });
  afterAll(async () => {
    expect(await dev.stop()).toBe(0);
  });

  it('turns N uploads into N SUCCEEDED jobs, each with its result, keys reaching the task byte for byte', async () => {
    for (const key of UNUSUAL_KEYS) await upload(dev, key, `body of ${key}`);

    const jobs = await allFinished(dev, 'echo', UNUSUAL_KEYS.length);

    expect(jobs).toHaveLength(UNUSUAL_KEYS.length);
    expect(jobs.map((j) => j.state)).toEqual(UNUSUAL_KEYS.map(() => 'SUCCEEDED'));
    expect(new Set(jobs.map((j) => j.input.S3_KEY))).toEqual(new Set(UNUSUAL_KEYS));
    for (const job of jobs) {
      expect(await read(dev, `results/${job.jobId}.key`)).toBe(job.input.S3_KEY);
      expect(job.input.S3_SIZE).toBe(String(Buffer.byteLength(`body of ${job.input.S3_KEY}`)));
    }

    const listed = await runCli([
      'jobs',
      'list',
      '--state-dir',
      dev.stateDir,
      '--pipeline',
      'echo',
      '--json',
    ]);
    expect(
      JSON.parse(listed.stdout)
        .map((j: Job) => j.jobId)
        .sort(),
    ).toEqual(jobs.map((j) => j.jobId).sort());
    const one = jobs[0] as Job;
    const logs = await runCli(['logs', one.jobId, '--state-dir', dev.stateDir]);
    expect(logs.stdout).toContain(`processed ${one.input.S3_KEY}`);
    const shown = await runCli(['jobs', 'show', one.jobId, '--state-dir', dev.stateDir]);
    expect(shown.stdout).toContain('EssentialContainerExited');
    // The task id, short (--json has the ARN), in a table that fits 100 columns.
    expect(shown.stdout).toContain(taskIdOf(one.attempts['1']?.taskArn ?? 'no task').slice(0, 12));
    expect(Math.max(...shown.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
  });

  it('jobs watch prints each transition of a job once, as it happens, and stops on Ctrl-C', async () => {
    const watcher = spawn(
      process.execPath,
      [CLI, 'jobs', 'watch', '--state-dir', dev.stateDir, '--interval', '0.2'],
      { cwd: REPO },
    );
    let out = '';
    watcher.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => watcher.on('exit', resolve));
    try {
      await eventually(async () => (out.includes('watching') ? true : undefined), 30_000, 'watch to start');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await upload(dev, 'echo/watched.txt');
      const job = await eventually(
        async () =>
          (await jobsOf(dev, 'echo')).find(
            (j) => j.input.S3_KEY === 'echo/watched.txt' && isTerminal(j.state),
          ),
        60_000,
        'the watched job to finish',
      );
      const lines = await eventually(
        async () => {
          // watch prints the short id tables print (`<source>-<8 hex>`).
          const short = job.jobId.slice(0, job.jobId.lastIndexOf('-') + 9);
          const mine = out.split('\n').filter((line) => line.includes(short));
          return mine.some((line) => / SUCCEEDED /.test(line)) ? mine : undefined;
        },
        10_000,
        'watch to print SUCCEEDED',
      );

      // One line per history entry (with the steps read back from the task events: see jobHistory), in
      // order, nothing twice. (Were the job created before watch's first poll, which shows only where
      // each job stands, its first entries would be missing: hence a tail.)
      const states = lines.map((line) => line.split(/\s+/)[2]);
      expect(states).toEqual(
        jobHistory(job)
          .slice(-lines.length)
          .map((h) => h.state),
      );
      expect(states).toContain('RUNNING');
      expect(states.at(-1)).toBe('SUCCEEDED');
    } finally {
      watcher.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('holds the pipeline concurrency cap at every instant', async () => {
    const counts: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const running = await dev.ecs.send(
          new ListTasksCommand({ cluster: dev.endpoints.cluster, family: 'e2e-local-slow' }),
        );
        counts.push(running.taskArns?.length ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    for (let i = 0; i < 6; i++) await upload(dev, `capped/file-${i}.txt`);
    const jobs = await allFinished(dev, 'capped', 6);
    polling = false;
    await poll;

    expect(jobs.every((j) => j.state === 'SUCCEEDED')).toBe(true);
    expect(Math.max(...counts)).toBe(2);
    // The programs' own clocks agree: never more than two at once.
    const spans = await Promise.all(
      jobs.map(
        async (j) => JSON.parse(await read(dev, `spans/${j.jobId}/1`)) as { started: number; ended: number },
      ),
    );
    const overlap = Math.max(
      ...spans.map((s) => spans.filter((o) => o.started <= s.started && s.started < o.ended).length),
    );
    expect(overlap).toBeLessThanOrEqual(2);
  });

  it('stops an attempt past its timeout: TIMED_OUT, and its process is gone', async () => {
    await upload(dev, 'hang/forever.txt');

    const [job] = await allFinished(dev, 'hang', 1, 60_000);

    expect(job?.state).toBe('TIMED_OUT');
    expect(job?.attempts['1']?.stopCode).toBe('UserInitiated');
    const pid = Number(await read(dev, `pids/${job?.jobId}/1`));
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('retries a failing task per its rules, then fails it, one task per attempt', async () => {
    await upload(dev, 'broken/one.txt');

    const [job] = await allFinished(dev, 'broken', 1, 60_000);

    expect(job?.state).toBe('FAILED');
    expect(job?.attempt).toBe(2);
    expect(job?.reason).toMatch(/exited with code 3/);
    expect(await tasksOf(dev, job?.jobId ?? '')).toHaveLength(2);
  });
});

describe('S3 jobs when AWS misbehaves', () => {
  it('with duplicated and reordered events: no extra job, the same final states, one task per attempt', async () => {
    const dev = await startDev({ config: CONFIG, faults: 'duplicate=0.5,reorder=0.5' });
    try {
      const keys = Array.from({ length: 8 }, (_, i) => `echo/dup-${i}.txt`);
      for (const key of keys) await upload(dev, key);
      await upload(dev, 'broken/dup.txt');

      const echo = await allFinished(dev, 'echo', keys.length);
      const [broken] = await allFinished(dev, 'broken', 1);
      await new Promise((resolve) => setTimeout(resolve, 2000)); // let late duplicates land

      expect(await jobsOf(dev, 'echo')).toHaveLength(keys.length);
      const unexpected = echo.filter((j) => j.state !== 'SUCCEEDED' || j.attempt !== 1);
      expect(
        unexpected,
        JSON.stringify(unexpected.map((j) => ({ state: j.state, reason: j.reason, history: j.history }))),
      ).toEqual([]);
      expect(broken?.state, JSON.stringify(broken?.history)).toBe('FAILED');
      expect(broken?.attempt, JSON.stringify(broken?.history)).toBe(2);
      for (const job of [...echo, broken as Job])
        expect(await tasksOf(dev, job.jobId)).toHaveLength(job.attempt);
      expect(dev.output()).not.toMatch(/dead-lettered/);
    } finally {
      expect(await dev.stop()).toBe(0);
    }
  });

  it('with RunTask capacity failures and throttling: every job ends, none launched twice', async () => {
    const dev = await startDev({ config: CONFIG, faults: 'capacity=0.25' });
    try {
      const count = 150; // more than Fargate's burst of 100 launches, so throttling bites too
      await Promise.all(Array.from({ length: count }, (_, i) => upload(dev, `noop/burst-${i}.txt`)));
      // Someone else in the account spends RunTask's quota at the same time, so Stevedore's calls get throttled.
      const intruder = new ECSClient({
        endpoint: dev.endpoints.ecs,
        region: dev.endpoints.region,
        maxAttempts: 1,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      // In waves until ECS throttles one: on a loaded machine one wave can reach the endpoint slower
      // than RunTask's bucket refills. Bounded: five waves at most.
      let throttled = false;
      for (let wave = 0; wave < 5 && !throttled; wave++) {
        const stolen = await Promise.allSettled(
          Array.from({ length: 60 }, () =>
            intruder.send(
              new RunTaskCommand({
                cluster: dev.endpoints.cluster,
                taskDefinition: 'e2e-local-noop',
                startedBy: 'intruder',
                networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
              }),
            ),
          ),
        );
        throttled = stolen.some(
          (s) => s.status === 'rejected' && (s.reason as Error).name === 'ThrottlingException',
        );
      }
      intruder.destroy();
      expect(throttled).toBe(true);

      const jobs = await allFinished(dev, 'noop', count, 200_000);

      expect(jobs).toHaveLength(count);
      expect(jobs.every((j) => j.state === 'SUCCEEDED')).toBe(true);
      const refused = jobs.filter((j) => j.history.some((h) => h.reason?.startsWith('RunTask refused')));
      expect(refused.length).toBeGreaterThan(0);
      for (const job of jobs) expect(await tasksOf(dev, job.jobId)).toHaveLength(1);
    } finally {
      expect(await dev.stop()).toBe(0);
    }
  }, 300_000);
});
