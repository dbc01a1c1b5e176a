import { readFileSync, writeFileSync } from 'node:fs';
import type { ProgramOutcome } from './declared';
import { HARNESS_ENV } from './harness-env';

/*
 * The program's process: executes the program bundle for several cases in turn, each with a fresh
 * copy of the bundle (SST keeps state in its modules) and the Pulumi packages loaded once, which is
 * most of an execution's cost. After a failed case it stops: that case's half-registered stack could
 * still be at work, so the runner starts a new process for the cases left.
 */

/** One execution the runner asks for. */
export interface DriverCase {
  config: string;
  stage: string;
  /** SST's working directory for it. */
  work: string;
  /** Where its ProgramOutcome goes. */
  out: string;
}

interface ProgramModule {
  execute(): Promise<ProgramOutcome>;
}

const [casesFile] = process.argv.slice(2);
if (!casesFile) throw new Error('usage: driver.mjs <cases.json>');
const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as DriverCase[];

for (const [i, c] of cases.entries()) {
  process.env[HARNESS_ENV.config] = c.config;
  process.env[HARNESS_ENV.stage] = c.stage;
  process.env[HARNESS_ENV.work] = c.work;
  const program = (await import(new URL(`./program.mjs?case=${i}`, import.meta.url).href)) as ProgramModule;
  const outcome = await program.execute();
  writeFileSync(c.out, JSON.stringify(outcome));
  if (!outcome.ok) process.exit(1);
}
process.exit(0);
