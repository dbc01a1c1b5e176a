/**
 * bench:faults — the local runtime under faults and crashes, one scenario at a time, each on a state
 * dir of its own, with `stevedore dev` run as a user runs it (a child process in its own process group).
 *
 *   npm run bench:faults [-- --objects 40] [--only kill9-burst,ctrl-c]
 *
 * Each object is a job whose task (test/e2e/programs/record-work.mjs) writes `started` and `done` lines
 * to a work log outside the state dir, so what ran is known however the runtime ended. Per scenario:
 *   objects    uploads S3 acknowledged (a refused upload is the client's to retry, not lost)
 *   jobs       jobs in the ledger for them
 *   lost       acknowledged uploads without a SUCCEEDED job once everything settled
 *   twice      acknowledged uploads whose work was done more than once
 *   orphans    task processes still alive after the runtime that started them was killed
 *   recover_s  seconds from the restart (or from the fault's end) until a task ran again
 * Ends with `lost=<n> twice=<n> orphans=<n> recover_s=<max>`. It measures; it does not pass or fail.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { isAlive } from '@stevedore/local';
import buildCli from '../test/support/build-cli';
import { type DevProcess, eventually, jobsOf, startDev } from '../test/support/dev-process';
import { readWorkLog } from '../test/support/work-log';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: { objects: { type: 'string', default: '40' }, only: { type: 'string' } },
});
const OBJECTS = Number(values.objects);
const CONFIG = 'test/e2e/configs/crash.config.ts';
const BUCKET = 'e2e-crash';
/** How long a task works: long enough that a crash finds tasks mid-work. */
const WORK_MS = '1500';
/** Longest wait for a scenario's jobs to settle. */
const SETTLE_MS = 10 * 60_000;

interface Outcome {
  scenario: string;
  objects: number;
  jobs: number;
  lost: number;
  twice: number;
  orphans: number;
  /** Undefined where nothing was restarted or recovered. */
  recoverS: number | undefined;
  note: string;
}

/** One scenario's state dir and work log, and the runtime currently serving them. */
class Run {
  readonly stateDir: string;
  readonly workLog: string;
  dev: DevProcess | undefined;
  readonly acknowledged: string[] = [];
  private next = 0;

  constructor(
    readonly name: string,
    private readonly faults?: string,
    stateDir?: string,
  ) {
    this.stateDir = stateDir ?? mkdtempSync(join(tmpdir(), `bench-faults-${name}-`));
    this.workLog = join(tmpdir(), `bench-faults-${name}-${process.pid}.log`);
    rmSync(this.workLog, { force: true });
  }

  async start(): Promise<DevProcess> {
    this.dev = await startDev({
      config: CONFIG,
      stateDir: this.stateDir,
      env: { E2E_WORK_LOG: this.workLog, E2E_WORK_MS: WORK_MS },
      timeoutMs: 180_000,
      ...(this.faults ? { faults: this.faults } : {}),
    });
    return this.dev;
  }

  /** Uploads `count` more objects, 6 at a time; `during` runs once `after` of them were acknowledged. */
  async upload(count: number, during?: { after: number; run: () => Promise<void> }): Promise<void> {
    const dev = this.dev;
    if (!dev) throw new Error('not started');
    const end = this.next + count;
    const base = this.acknowledged.length;
    let fired: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (this.next < end) {
          const key = `in/object-${this.next++}.bin`;
          try {
            await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
            this.acknowledged.push(key);
          } catch {
            // Refused or cut off: not acknowledged, so not this runtime's to keep.
          }
          if (during && this.acknowledged.length - base >= during.after) fired ??= during.run();
        }
      }),
    );
    await fired;
  }

  /** Resolves once `n` tasks have started (per the work log). */
  async tasksStarted(n: number): Promise<void> {
    await eventually(
      async () => (readWorkLog(this.workLog).pids.length >= n ? true : undefined),
      SETTLE_MS,
      `${n} tasks to start`,
    );
  }

  /** Seconds from `since` until a task starts that had not started by then. */
  async secondsUntilWorkResumes(since: number): Promise<number> {
    const before = readWorkLog(this.workLog).pids.length;
    const settled = () => this.openKeys().length === 0;
    await eventually(
      async () => (readWorkLog(this.workLog).pids.length > before || (await settled()) ? true : undefined),
      SETTLE_MS,
      'work to resume',
    );
    return (Date.now() - since) / 1000;
  }

  /** Acknowledged keys whose work is not done yet. */
  openKeys(): string[] {
    const { done } = readWorkLog(this.workLog);
    return this.acknowledged.filter((key) => !done.has(key));
  }

  /** Task processes of this run still alive. */
  orphans(): number {
    return readWorkLog(this.workLog).pids.filter(isAlive).length;
  }

  /** Waits for every acknowledged upload's job to end, then counts. */
  async outcome(extra: { orphans: number; recoverS: number | undefined; note?: string }): Promise<Outcome> {
    const dev = this.dev;
    if (!dev) throw new Error('not started');
    const byKey = new Map<string, { succeeded: boolean; count: number }>();
    try {
      await eventually(
        async () => {
          byKey.clear();
          for (const job of await jobsOf(dev, 'work')) {
            const key = job.input.S3_KEY ?? '';
            const seen = byKey.get(key) ?? { succeeded: false, count: 0 };
            byKey.set(key, { succeeded: seen.succeeded || job.state === 'SUCCEEDED', count: seen.count + 1 });
          }
          return this.acknowledged.every((key) => byKey.get(key)?.succeeded) ? true : undefined;
        },
        SETTLE_MS,
        'every acknowledged upload to have a SUCCEEDED job',
      );
    } catch {
      // Counted as lost below.
    }
    const { done } = readWorkLog(this.workLog);
    return {
      scenario: this.name,
      objects: this.acknowledged.length,
      jobs: this.acknowledged.reduce((n, key) => n + (byKey.get(key)?.count ?? 0), 0),
      lost: this.acknowledged.filter((key) => !byKey.get(key)?.succeeded).length,
      twice: this.acknowledged.filter((key) => (done.get(key) ?? 0) > 1).length,
      orphans: extra.orphans,
      recoverS: extra.recoverS,
      note: extra.note ?? '',
    };
  }

  /**
   * Stops the runtime (Ctrl-C) and completes the outcome: a task process still alive once the runtime
   * that started it has stopped is an orphan too.
   */
  async finish(outcome: Outcome): Promise<Outcome> {
    await this.dev?.stop();
    await sleep(1000);
    const orphans = outcome.orphans + this.orphans();
    // Kept where something went wrong, with the state dir, to be read: which pid did what, and when.
    if (outcome.twice === 0 && outcome.lost === 0 && orphans === 0) rmSync(this.workLog, { force: true });
    else process.stderr.write(`  kept ${this.workLog} and ${this.stateDir}\n`);
    return { ...outcome, orphans };
  }
}

/** Kills the runtime's process group, waits, and counts the task processes that survived it. */
async function crash(run: Run): Promise<number> {
  await run.dev?.kill9();
  await sleep(3000);
  return run.orphans();
}

/** Restarts on the same state dir; resolves with the seconds until work resumed. */
async function restart(run: Run): Promise<number> {
  const since = Date.now();
  await run.start();
  return run.secondsUntilWorkResumes(since);
}

const SCENARIOS: Record<string, () => Promise<Outcome>> = {
  async 'faults-burst'() {
    const run = new Run('faults-burst', 'duplicate=0.3,reorder=0.3,capacity=0.2,throttle=on');
    await run.start();
    await run.upload(OBJECTS);
    const outcome = await run.outcome({ orphans: 0, recoverS: undefined });
    return run.finish(outcome);
  },

  async 'kill9-burst'() {
    const run = new Run('kill9-burst');
    await run.start();
    await run.upload(OBJECTS);
    await run.tasksStarted(Math.ceil(OBJECTS / 4));
    const orphans = await crash(run);
    const recoverS = await restart(run);
    const outcome = await run.outcome({ orphans, recoverS });
    return run.finish(outcome);
  },

  async 'kill9-upload'() {
    const run = new Run('kill9-upload');
    await run.start();
    let orphans = 0;
    await run.upload(OBJECTS, {
      after: Math.ceil(OBJECTS / 2),
      run: async () => {
        orphans = await crash(run);
      },
    });
    const recoverS = await restart(run);
    const outcome = await run.outcome({ orphans, recoverS });
    return run.finish(outcome);
  },

  async 'ctrl-c-burst'() {
    const run = new Run('ctrl-c-burst');
    await run.start();
    await run.upload(OBJECTS);
    await run.tasksStarted(Math.ceil(OBJECTS / 4));
    const code = await run.dev?.stop();
    await sleep(1000);
    const orphans = run.orphans();
    const recoverS = await restart(run);
    const outcome = await run.outcome({ orphans, recoverS, note: `exit ${code}` });
    return run.finish(outcome);
  },

  async 'dynamodb-killed'() {
    const run = new Run('dynamodb-killed');
    const dev = await run.start();
    await run.upload(Math.ceil(OBJECTS / 2));
    const java = javaOf(run.stateDir, dev.child.pid);
    if (java) process.kill(java, 'SIGKILL');
    const since = Date.now();
    await run.upload(OBJECTS - Math.ceil(OBJECTS / 2));
    const recoverS = await run.secondsUntilWorkResumes(since);
    const outcome = await run.outcome({
      orphans: 0,
      recoverS,
      note: java ? `java ${java} killed` : 'java not found',
    });
    return run.finish(outcome);
  },

  async 'full-disk'() {
    // A real full disk: a small tmpfs (needs root, for mount).
    const mount = mkdtempSync(join(tmpdir(), 'bench-faults-tmpfs-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mount]);
    if (mounted.status !== 0) {
      return {
        scenario: 'full-disk',
        objects: 0,
        jobs: 0,
        lost: 0,
        twice: 0,
        orphans: 0,
        recoverS: undefined,
        note: 'skipped: mounting a tmpfs needs root',
      };
    }
    const stateDir = join(mount, 'state');
    mkdirSync(stateDir);
    const run = new Run('full-disk', undefined, stateDir);
    try {
      await run.start();
      await run.upload(Math.ceil(OBJECTS / 2));
      const filler = join(mount, 'filler');
      fill(filler);
      await run.upload(OBJECTS - Math.ceil(OBJECTS / 2));
      const refused = OBJECTS - run.acknowledged.length;
      await sleep(5000);
      const alive = run.dev?.child.exitCode === null;
      rmSync(filler, { force: true });
      const since = Date.now();
      let note = `${refused} uploads refused while full; runtime ${alive ? 'kept running' : 'stopped'}`;
      if (!alive) {
        await run.start();
        note += ', restarted';
      }
      const recoverS = await run.secondsUntilWorkResumes(since);
      const outcome = await run.outcome({ orphans: 0, recoverS, note });
      return await run.finish(outcome);
    } finally {
      spawnSync('umount', ['-l', mount]);
    }
  },
};

/** Fills the file system holding `path` to the last byte. */
function fill(path: string): void {
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (;;) writeFileSync(path, chunk, { flag: 'a' });
  } catch {
    // ENOSPC: full. Top up with smaller writes.
  }
  const small = Buffer.alloc(4096);
  try {
    for (;;) writeFileSync(path, small, { flag: 'a' });
  } catch {
    // Full to the block.
  }
}

/** The pid of the DynamoDB Local java process working in the state dir. */
function javaOf(stateDir: string, devPid: number | undefined): number | undefined {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout;
  const line = ps
    .split('\n')
    .find((l) => l.includes(stateDir) && l.includes('java') && !l.startsWith(`${devPid} `));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

async function main() {
  const only = values.only?.split(',');
  // Every scenario runs bin/stevedore.js, which runs the built CLI: never a stale bundle.
  process.stderr.write('building the CLI...\n');
  buildCli();
  const outcomes: Outcome[] = [];
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(name)) continue;
    process.stderr.write(`${name}...\n`);
    const started = Date.now();
    outcomes.push(await scenario());
    process.stderr.write(`  ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const header = ['SCENARIO', 'OBJECTS', 'JOBS', 'LOST', 'TWICE', 'ORPHANS', 'RECOVER_S', 'NOTE'];
  const rows = outcomes.map((o) => [
    o.scenario,
    String(o.objects),
    String(o.jobs),
    String(o.lost),
    String(o.twice),
    String(o.orphans),
    o.recoverS === undefined ? '-' : o.recoverS.toFixed(1),
    o.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows])
    console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  const sum = (pick: (o: Outcome) => number) => outcomes.reduce((n, o) => n + pick(o), 0);
  const recover = Math.max(0, ...outcomes.map((o) => o.recoverS ?? 0));
  console.log(
    `lost=${sum((o) => o.lost)} twice=${sum((o) => o.twice)} orphans=${sum((o) => o.orphans)} recover_s=${recover.toFixed(1)}`,
  );
}

await main();
