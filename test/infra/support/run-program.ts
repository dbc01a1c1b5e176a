import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { caseName, type InfraCase } from '../cases';
import type { ProgramOutcome } from './declared';
import type { DriverCase } from './driver';
import { HARNESS_ENV } from './harness-env';
import { PLATFORM_DIR, ROOT } from './platform';

/*
 * Executes the program for every case, in as many processes as there are cores (four at most), each
 * running its share of the cases in turn (driver.ts). Source maps cost a third of an execution, so
 * they are turned on only once a case fails: its error then points into infra/*.ts, not the bundle.
 */

/** What the global setup prepared: the driver, the prebuilt bundles, a scratch directory. */
export interface ProgramSetup {
  driver: string;
  bundles: Record<string, string>;
  scratch: string;
}

/** A process that neither finishes nor fails is stopped after this: a guard against a hang, not a budget. */
const HANG_GUARD_MS = 180_000;

/** Each process holds Pulumi and the AWS provider (some 250 MB): more than this buys little. */
const MAX_PROCESSES = 4;

interface Batch {
  cases: InfraCase[];
  sourceMaps: boolean;
}

let batches = 0;

/** Runs the driver for some cases; returns the outcome of each case it got to. */
async function runBatch(
  setup: ProgramSetup,
  { cases, sourceMaps }: Batch,
): Promise<Map<InfraCase, ProgramOutcome>> {
  const dir = join(setup.scratch, `batch-${++batches}`);
  mkdirSync(dir);
  const driverCases: DriverCase[] = cases.map((c, i) => ({
    config: c.config,
    stage: c.stage,
    work: join(dir, `work-${i}`),
    out: join(dir, `outcome-${i}.json`),
  }));
  const casesFile = join(dir, 'cases.json');
  writeFileSync(casesFile, JSON.stringify(driverCases));

  const child = spawn(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), setup.driver, casesFile],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        [HARNESS_ENV.root]: ROOT,
        [HARNESS_ENV.platform]: PLATFORM_DIR,
        [HARNESS_ENV.bundles]: JSON.stringify(setup.bundles),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(guard);

  const outcomes = new Map<InfraCase, ProgramOutcome>();
  for (const [i, c] of cases.entries()) {
    const out = driverCases[i]?.out ?? '';
    if (!existsSync(out)) {
      // The process ended without this case's outcome: the case crashed it (or hung).
      if (code !== 0) {
        const why = code === null ? `was stopped after ${HANG_GUARD_MS / 1000} s` : `exited with ${code}`;
        outcomes.set(c, { ok: false, error: `the program's process ${why}:\n${output}` });
      }
      break;
    }
    const outcome = JSON.parse(readFileSync(out, 'utf8')) as ProgramOutcome;
    if (outcome.ok) {
      outcomes.set(c, outcome);
      continue;
    }
    // The driver stops after a failed case.
    const said = output.trim() ? `\n--- what the program's process printed ---\n${output}` : '';
    outcomes.set(c, { ok: false, error: `${outcome.error}${said}` });
    break;
  }
  return outcomes;
}

/**
 * Runs one process's share of the cases, a new process after each failure. After the first failure
 * the rest run with source maps, the failed case first again, so every error reported is mapped (a
 * case that passes the second time is reported as failing too).
 */
async function runShare(setup: ProgramSetup, share: InfraCase[]): Promise<Map<InfraCase, ProgramOutcome>> {
  const outcomes = new Map<InfraCase, ProgramOutcome>();
  const unmapped = new Map<InfraCase, string>();
  let pending = share;
  while (pending.length > 0) {
    const sourceMaps = unmapped.size > 0;
    const done = await runBatch(setup, { cases: pending, sourceMaps });
    if (done.size === 0) throw new Error(`no outcome for ${pending.map(caseName).join(', ')}`);
    for (const [c, outcome] of done) {
      const first = unmapped.get(c);
      if (outcome.ok && first !== undefined) {
        outcomes.set(c, { ok: false, error: `failed, then passed when executed again:\n${first}` });
      } else if (outcome.ok || sourceMaps) {
        outcomes.set(c, outcome);
      } else {
        unmapped.set(c, outcome.error);
      }
    }
    pending = pending.filter((c) => !outcomes.has(c));
  }
  return outcomes;
}

/** Every case's outcome, by case name. */
export async function runPrograms(
  setup: ProgramSetup,
  cases: InfraCase[],
): Promise<Record<string, ProgramOutcome>> {
  const processes = Math.max(1, Math.min(cases.length, availableParallelism(), MAX_PROCESSES));
  const shares = Array.from({ length: processes }, (_, p) => cases.filter((_, i) => i % processes === p));
  const results = await Promise.all(shares.map((share) => runShare(setup, share)));
  return Object.fromEntries(results.flatMap((r) => [...r].map(([c, outcome]) => [caseName(c), outcome])));
}
