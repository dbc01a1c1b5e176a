/**
 * bench:burst — 2,000 objects arrive at once on the local runtime with AWS's throttling buckets on.
 *
 *   npm run bench:burst [-- --objects 2000]
 *
 * Every object is a job; every job a task that exits at once, so what is measured is the control plane:
 * how close the launch rate gets to what ECS allows (Fargate: a bucket of 100 launches refilled at 20 per
 * second, and RunTask at 20 calls per second), and that nothing is lost or launched twice.
 * The stand-ins share the machine with the handlers, so the launch rate is judged only over the time
 * when launchable jobs waited (an object's event had arrived, its task was not created yet), beside
 * the arrival rate of object events and where the CPU went (see cpu-accounting.ts). The uploaders run in
 * a child process (burst-uploader.ts), so this process's main thread runs only what `stevedore dev` runs.
 * Ends with `ratio=<launches while jobs waited / the most ECS allows in that time> lost=<n> doubled=<n>`.
 * It measures; it does not pass or fail.
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '@stevedore/core/config';
import { isTerminal, type Job } from '@stevedore/core/job';
import type { Logger } from '@stevedore/core/ports';
import { HANDLERS } from '@stevedore/functions';
import { startDevRuntime } from '@stevedore/local';
import { cliNodeFlags } from '../test/support/dev-process';
import { type JobTimes, ratePerSecond, waitingFigures } from './burst-figures';
import type { UploadOrder, UploadReport } from './burst-uploader';
import { describeCpu, startCpuAccounting } from './cpu-accounting';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The runtime runs in this process, so with the Node flags `stevedore dev` runs with (the CLI's
// shebang): run again with them if this process was started without.
const runtimeFlags = cliNodeFlags();
if (!runtimeFlags.every((flag) => process.execArgv.includes(flag))) {
  const again = spawnSync(
    process.execPath,
    [...runtimeFlags, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(again.status ?? 1);
}

const { values } = parseArgs({ options: { objects: { type: 'string', default: '2000' } } });
const OBJECTS = Number(values.objects);
/**
 * ECS limits launches two ways (AWS Fargate throttling quotas): a bucket of 100 task launches refilled
 * at 20 per second, and RunTask itself at 20 calls per second, burst and sustained. One task per call
 * (each job has its own environment), so RunTask's bucket is the binding one.
 */
const BURST = 20;
const RATE = 20;

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function main() {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-burst-'));
  const config = parseConfig({
    app: 'bench',
    tasks: { noop: { image: 'bench/noop', cpu: 256, memory: 512, local: { command: ['true'] } } },
    pipelines: { burst: { bucket: 'bench-inbox', task: 'noop', timeout: 600 } },
  });
  process.stderr.write(`starting the local runtime in ${stateDir}...\n`);
  const runtime = await startDevRuntime({
    config,
    configDir: process.cwd(),
    stateDir,
    handlers: HANDLERS,
    logger: quiet,
    basePort: 0,
    tickMs: 1000,
    stepDelayMs: 20,
  });
  try {
    const cpu = await startCpuAccounting();
    process.stderr.write(`uploading ${OBJECTS} objects...\n`);
    const uploads = await uploadInChildProcess({
      endpoint: runtime.endpoints.s3,
      region: runtime.endpoints.region,
      bucket: 'bench-inbox',
      objects: OBJECTS,
      concurrency: 32,
    });
    const arrivals = new Map(uploads.arrivals);

    const started = Date.now();
    let jobs: Job[] = [];
    for (;;) {
      // Progress from the local ECS's memory: listing 2,000 jobs every second would load DynamoDB
      // Local, on the machine being measured. The ledger is read once every task has stopped.
      const tasks = runtime.ecs.tasks();
      const stopped = tasks.filter((t) => t.lastStatus === 'STOPPED').length;
      if (process.stderr.isTTY)
        process.stderr.write(`\r  tasks ${tasks.length}/${OBJECTS}, stopped ${stopped}   `);
      if (stopped >= OBJECTS) {
        jobs = await allJobs(runtime.deps.jobs);
        if (jobs.length >= OBJECTS && jobs.every((j) => isTerminal(j.state))) break;
      }
      if (Date.now() - started > 15 * 60_000) {
        process.stderr.write('\ngave up after 15 minutes\n');
        jobs = await allJobs(runtime.deps.jobs);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const cpuReport = await cpu.stop({ uploaderSeconds: uploads.cpuSeconds });
    process.stderr.write('\n');

    // Launch times: when ECS created each attempt's task.
    const launches = jobs
      .flatMap((j) => Object.values(j.attempts).map((a) => a.createdAt))
      .filter((t): t is string => t !== undefined)
      .map((t) => new Date(t).getTime())
      .sort((a, b) => a - b);
    const first = launches[0] ?? 0;
    const last = launches.at(-1) ?? 0;
    const seconds = Math.max((last - first) / 1000, 0.001);
    // The most a token bucket lets through in that window: the burst, plus the refill.
    const limit = BURST + RATE * seconds;
    const achievedRate = launches.length / seconds;
    const lost = OBJECTS - jobs.filter((j) => j.state === 'SUCCEEDED').length;
    // Count tasks per job from the local ECS itself (ListTasks for 2,000 jobs would be throttled).
    const tasksByJob = new Map<string, number>();
    for (const task of runtime.ecs.tasks()) {
      if (task.startedBy) tasksByJob.set(task.startedBy, (tasksByJob.get(task.startedBy) ?? 0) + 1);
    }
    const doubled = jobs.filter(
      (j) => (tasksByJob.get(j.jobId) ?? 0) > Object.keys(j.attempts).length,
    ).length;
    const refusals = jobs.reduce(
      (n, j) => n + j.history.filter((h) => h.reason?.startsWith('RunTask refused')).length,
      0,
    );

    // Launches in each whole second of the window, to see the pace, not just its average.
    const perSecond = new Array(Math.max(1, Math.ceil(seconds))).fill(0) as number[];
    for (const t of launches) {
      const second = Math.min(perSecond.length - 1, Math.floor((t - first) / 1000));
      perSecond[second] = (perSecond[second] ?? 0) + 1;
    }
    const sorted = [...perSecond].sort((a, b) => a - b);

    console.log('');
    console.log(`objects                 ${OBJECTS}`);
    console.log(
      `jobs                    ${jobs.length} (${jobs.filter((j) => j.state === 'SUCCEEDED').length} SUCCEEDED)`,
    );
    console.log(
      `launches                ${launches.length} in ${seconds.toFixed(1)} s = ${achievedRate.toFixed(1)}/s`,
    );
    console.log(
      `launches per second     min ${sorted[0]}, median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted.at(-1)}: ${perSecond.join(' ')}`,
    );
    console.log(`limit in that window    ${limit.toFixed(0)} launches (RunTask: burst ${BURST} + ${RATE}/s)`);
    console.log(`RunTask refusals        ${refusals} recorded (throttling the SDK's retries did not absorb)`);
    console.log(`bus                     ${JSON.stringify(runtime.bus.stats)}`);
    // Each job from its object's arrival to its first task: the time the control plane had work.
    const times: JobTimes[] = jobs.flatMap((j) => {
      const arrivedAt = arrivals.get(j.input.S3_KEY ?? '');
      const createdAt = j.attempts['1']?.createdAt;
      return arrivedAt !== undefined && createdAt ? [{ arrivedAt, launchedAt: Date.parse(createdAt) }] : [];
    });
    const arrivalRate = ratePerSecond([...arrivals.values()]);
    const waited = waitingFigures(times, Math.min(...arrivals.values()));
    const waitingLimit = BURST + RATE * waited.waitingSeconds;
    console.log(
      `window ratio            ${(launches.length / limit).toFixed(3)} (launches / limit from the first launch to the last)`,
    );
    console.log(
      `object events           ${arrivalRate.count} arrived in ${arrivalRate.seconds.toFixed(1)} s = ${arrivalRate.perSecond.toFixed(1)}/s`,
    );
    console.log(
      `while jobs waited       ${waited.launches} launches in ${waited.waitingSeconds.toFixed(1)} s = ${(waited.launches / Math.max(waited.waitingSeconds, 0.001)).toFixed(1)}/s (limit ${waitingLimit.toFixed(0)}: burst ${BURST} + ${RATE}/s)`,
    );
    console.log(
      `longest gap             ${waited.longestGap.seconds.toFixed(2)} s with jobs waiting and no launch (from ${(waited.longestGap.startsAfterMs / 1000).toFixed(1)} s after the first arrival)`,
    );
    for (const line of describeCpu(cpuReport)) console.log(line);
    console.log(`ratio=${(waited.launches / waitingLimit).toFixed(3)} lost=${lost} doubled=${doubled}`);
  } finally {
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * Uploads from a child process (burst-uploader.ts), as the objects come from other machines on AWS:
 * the main thread is left to what `stevedore dev` runs. Resolves once the child has exited, so its
 * CPU is in this process's reaped children's, where cpu-accounting.ts takes it back out.
 */
function uploadInChildProcess(order: UploadOrder): Promise<UploadReport> {
  const child = fork(join(import.meta.dirname, 'burst-uploader.ts'), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let report: UploadReport | undefined;
    child.once('message', (message: UploadReport) => {
      report = message;
    });
    child.once('error', reject);
    // 'close', not 'exit': only once the IPC channel is closed has every message been read.
    child.once('close', (code, signal) => {
      if (report && code === 0) resolve(report);
      else
        reject(new Error(`the uploader process ended (code ${code}, signal ${signal}) without its report`));
    });
    child.send(order);
  });
}

async function allJobs(ledger: {
  listJobs: (q: {
    source: string;
    limit: number;
    cursor?: string;
  }) => Promise<{ jobs: Job[]; cursor?: string }>;
}) {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.listJobs({ source: 'burst', limit: 100, ...(cursor ? { cursor } : {}) });
    jobs.push(...page.jobs);
    cursor = page.cursor;
  } while (cursor);
  return jobs;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
