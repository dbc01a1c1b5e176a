import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type LedgerStores, ledgerStores } from '@stevedore/aws';
import type { Job } from '@stevedore/core/job';
import type { EndpointsFile } from '@stevedore/local';

/*
 * `stevedore dev` as a user runs it: a child process on a temporary state dir, reached only through
 * endpoints.json and the AWS SDK.
 */

export const REPO = resolve(import.meta.dirname, '..', '..');
export const CLI = join(REPO, 'packages', 'cli', 'bin', 'stevedore.js');
const CREDENTIALS = { accessKeyId: 'e2e', secretAccessKey: 'e2e' };

/**
 * The Node flags the CLI's shebang passes (`#!/usr/bin/env -S node <flags>`): a user's shell honours
 * them, `node <CLI>` would not, so whatever spawns the CLI or runs the runtime in-process passes these.
 */
export function cliNodeFlags(): string[] {
  const shebang = readFileSync(CLI, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(shebang);
  if (!match) throw new Error(`${CLI} does not start with '#!/usr/bin/env -S node [flags]': ${shebang}`);
  return (match[1] ?? '').split(' ').filter(Boolean);
}

export interface DevProcess {
  child: ChildProcess;
  stateDir: string;
  endpoints: EndpointsFile;
  s3: S3Client;
  sqs: SQSClient;
  ecs: ECSClient;
  /** The dev runtime's ledger, read through the same stores as the handlers. */
  ledger: LedgerStores;
  output(): string;
  /** Ctrl-C, and the exit code. */
  stop(): Promise<number | null>;
  /** `kill -9` of its whole process group, as a crash or an OOM kill of the terminal's job would. */
  kill9(): Promise<void>;
}

export interface DevOptions {
  config: string;
  faults?: string;
  tickSeconds?: number;
  stateDir?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** More `stevedore dev` flags, such as ['--time-scale', '20']. */
  args?: string[];
  /** Where it runs (default: the repository). */
  cwd?: string;
}

/** Runs a stevedore CLI command to completion. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  cwd: string = REPO,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...cliNodeFlags(), CLI, ...args], {
    cwd,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // 'close', not 'exit': the process can exit before its pipes are read out, and a long --json cut short.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

/** Starts `stevedore dev` and waits for endpoints.json. */
export async function startDev(options: DevOptions): Promise<DevProcess> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'stevedore-e2e-'));
  const args = [
    'dev',
    '--config',
    options.config,
    '--state-dir',
    stateDir,
    '--port',
    '0',
    '--tick',
    String(options.tickSeconds ?? 1),
  ];
  if (options.faults) args.push('--faults', options.faults);
  if (options.args) args.push(...options.args);
  // Its own process group, like a command in a terminal: Ctrl-C (SIGINT) reaches the whole group.
  const child = spawn(process.execPath, [...cliNodeFlags(), CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const endpointsPath = join(stateDir, 'endpoints.json');
  // Generous: DynamoDB Local's JVM alone can take a minute on a busy machine.
  const deadline = Date.now() + (options.timeoutMs ?? 150_000);
  // A runtime killed on this state dir left its endpoints.json behind: ready means this child's.
  const ours = () => {
    try {
      return (JSON.parse(readFileSync(endpointsPath, 'utf8')) as EndpointsFile).pid === child.pid;
    } catch {
      return false;
    }
  };
  while (!ours()) {
    if (child.exitCode !== null) throw new Error(`stevedore dev exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      signalGroup('SIGKILL');
      throw new Error(`stevedore dev did not become ready:\n${output}`);
    }
    await sleep(100);
  }
  const endpoints = JSON.parse(readFileSync(endpointsPath, 'utf8')) as EndpointsFile;
  const base = { region: endpoints.region, credentials: CREDENTIALS };
  const dynamo = new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb });
  const s3 = new S3Client({ ...base, endpoint: endpoints.s3, forcePathStyle: true });
  const sqs = new SQSClient({ ...base, endpoint: endpoints.sqs });
  const ecs = new ECSClient({ ...base, endpoint: endpoints.ecs });
  return {
    child,
    stateDir,
    endpoints,
    s3,
    sqs,
    ecs,
    ledger: ledgerStores({ tableName: endpoints.table, client: dynamo }),
    output: () => output,
    kill9: async () => {
      for (const client of [dynamo, s3, sqs, ecs]) client.destroy();
      signalGroup('SIGKILL');
      await exited;
    },
    stop: async () => {
      for (const client of [dynamo, s3, sqs, ecs]) client.destroy();
      if (child.exitCode === null) signalGroup('SIGINT');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Every job of a pipeline or schedule in the dev runtime's ledger. */
export async function jobsOf(dev: DevProcess, source: string): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await dev.ledger.jobs.listJobs({ source, limit: 100, ...(cursor ? { cursor } : {}) });
    jobs.push(...page.jobs);
    cursor = page.cursor;
  } while (cursor);
  return jobs;
}

/** Polls until `check` returns a value (not undefined), or fails with the last state seen. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(200);
  }
}

/** Pids of processes whose command line mentions the state dir (DynamoDB Local keeps its data there). */
export function processesUsing(stateDir: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(stateDir) && !line.includes('ps -eo'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}
