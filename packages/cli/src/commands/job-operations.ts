import { createInterface } from 'node:readline/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectHeads } from '@stevedore/aws';
import {
  cancelJob,
  cancelOpenJobs,
  type HandlerDeps,
  OperationError,
  retryFailedJobs,
  retryJob,
  submitObject,
  submitTask,
} from '@stevedore/control';
import type { Config } from '@stevedore/core/config';
import { parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { controlDeps } from '../lib/control-deps';
import { devLogger } from '../lib/dev-logger';
import { loadConfig } from '../lib/load-config';
import { findJob } from '../lib/short-id';
import { resolveTarget, TARGET_OPTIONS, type Target } from '../lib/target';
import { parseSince } from '../lib/time-flag';
import { jobJson } from './jobs';

/*
 * `stevedore jobs cancel | retry | submit`: the operations use cases of @stevedore/control, on the
 * local runtime or a stage. On a stage the CLI cannot make RunTask's network settings, so a job it
 * creates is left SUBMITTED and the deployed sweeper launches it (within its period, a minute).
 */

/** What every operation needs: its deps, and on a stage whether it may launch. */
interface Operating {
  target: Target;
  config: Config;
  deps: HandlerDeps;
  /** S3 on the target: submit reads an object's version with HeadObject. */
  s3: S3Client;
  /** False on a stage: the sweeper launches. */
  launch: boolean;
  close(): void;
}

async function operating(values: {
  'state-dir'?: string;
  stage?: string;
  config?: string;
}): Promise<Operating> {
  const target = await resolveTarget(values);
  const config = target.kind === 'aws' ? target.config : (await loadConfig(values.config)).config;
  // The running `stevedore dev` prints what follows (the task's events reach its bus): only problems here.
  const logger = { ...devLogger({ out: process.stderr }), info: () => {}, debug: () => {} };
  const built = controlDeps(target, config, logger);
  return {
    target,
    config,
    deps: built.deps,
    s3: built.s3,
    launch: target.kind === 'local',
    close: () => {
      built.close();
      target.client.destroy();
    },
  };
}

/** OperationError is the one line a user reads: say it as a CLI error. */
async function asCli<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OperationError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

/** Asks before a bulk change, unless --yes; with no terminal to ask on, --yes is required. */
async function confirm(yes: boolean, question: string): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new CliError(`${question} Pass --yes to confirm (no terminal to ask on)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('nothing done');
}

/** The pipeline or schedule of --pipeline/--schedule, before asking anything about it. */
function requireSource(op: Operating, source: { name: string; kind: 'pipeline' | 'schedule' }): void {
  const names = Object.keys(source.kind === 'pipeline' ? op.config.pipelines : op.config.schedules);
  if (!names.includes(source.name)) {
    throw new CliError(
      `no ${source.kind} ${JSON.stringify(source.name)} in the config (${source.kind}s: ${names.join(', ') || 'none'})`,
    );
  }
}

function sourceFlag(values: { pipeline?: string | undefined; schedule?: string | undefined }) {
  if (values.pipeline && values.schedule) throw new CliError('pass --pipeline or --schedule, not both');
  if (values.pipeline) return { name: values.pipeline, kind: 'pipeline' as const };
  if (values.schedule) return { name: values.schedule, kind: 'schedule' as const };
  return undefined;
}

/** The full id of a job given by its full or short id (as tables print it). */
async function fullJobId(op: Operating, id: string): Promise<string> {
  return (await findJob(op.target.ledger.jobs, id))?.jobId ?? id;
}

/** `stevedore jobs cancel` */
export async function cancelCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      reason: { type: 'string' },
      pipeline: { type: 'string' },
      schedule: { type: 'string' },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const source = sourceFlag(values);
  const given = positionals[0];
  if (!source === !given)
    throw new CliError('usage: stevedore jobs cancel <jobId> | --pipeline <p> | --schedule <s>');
  const op = await operating(values);
  const reason = {
    ...(values.reason ? { reason: values.reason } : {}),
    ...(op.launch ? {} : { launch: false }),
  };
  try {
    if (given) {
      const jobId = await fullJobId(op, given);
      const { outcome, job } = await asCli(() => cancelJob(op.deps, jobId, reason));
      const text = {
        cancelled: `${jobId}: CANCELLED (it was waiting)`,
        stopping: `${jobId}: stopping its task (${job.taskArn ?? 'none'}); it ends CANCELLED when the task stops, with no further attempt`,
        'already-ended': `${jobId}: had already ended ${job.state} before the cancel landed; nothing changed`,
      }[outcome];
      print(values.json, { jobId, outcome, state: job.state, job: jobJson(job) }, text);
      return 0;
    }
    if (!source) return 1;
    requireSource(op, source);
    const open = (await op.deps.jobs.openJobs(source.name, { limit: 100 })).jobs.length;
    await confirm(
      values.yes,
      `Cancel every open job of ${source.kind} ${source.name} (${open}${open === 100 ? '+' : ''} now)?`,
    );
    const results = await asCli(() => cancelOpenJobs(op.deps, source.name, { kind: source.kind, ...reason }));
    const counts = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
    print(
      values.json,
      { source: source.name, results },
      `${source.name}: ${counts('cancelled')} cancelled, ${counts('stopping')} stopping, ${counts('already-ended')} had already ended`,
    );
    return 0;
  } finally {
    op.close();
  }
}

/** `stevedore jobs retry` */
export async function retryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      pipeline: { type: 'string' },
      schedule: { type: 'string' },
      since: { type: 'string' },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const source = sourceFlag(values);
  const given = positionals[0];
  if (!source === !given || (source && !values.since)) {
    throw new CliError(
      'usage: stevedore jobs retry <jobId> | --pipeline <p> | --schedule <s> --since <time>',
    );
  }
  const op = await operating(values);
  const launch = op.launch ? {} : { launch: false };
  const later = op.launch ? '' : ' (the sweeper launches it)';
  try {
    if (given) {
      const jobId = await fullJobId(op, given);
      const { job, created, launch: launched } = await asCli(() => retryJob(op.deps, jobId, launch));
      const text = created
        ? `${jobId}: retried as ${job.jobId}, ${job.state}${launched === 'no-slot' ? ' (waiting for a slot)' : ''}${later}`
        : `${jobId}: already retried as ${job.jobId} (${job.state})`;
      print(
        values.json,
        {
          jobId,
          retriedAs: job.jobId,
          created,
          ...(launched ? { launch: launched } : {}),
          job: jobJson(job),
        },
        text,
      );
      return 0;
    }
    if (!source || !values.since) return 1;
    requireSource(op, source);
    const since = parseSince(values.since, new Date());
    await confirm(
      values.yes,
      `Retry the FAILED and TIMED_OUT jobs of ${source.kind} ${source.name} created since ${since.toISOString()}?`,
    );
    const results = await asCli(() =>
      retryFailedJobs(op.deps, source.name, since, { kind: source.kind, ...launch }),
    );
    print(
      values.json,
      { source: source.name, since: since.toISOString(), results },
      results.length === 0
        ? `${source.name}: no failed jobs since ${since.toISOString()}`
        : results
            .map((r) => `${r.jobId} -> ${r.retriedAs}${r.created ? '' : ' (already retried)'}`)
            .join('\n') + later,
    );
    return 0;
  } finally {
    op.close();
  }
}

/** `stevedore jobs submit` */
export async function submitCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TARGET_OPTIONS,
      pipeline: { type: 'string' },
      bucket: { type: 'string' },
      key: { type: 'string' },
      task: { type: 'string' },
      env: { type: 'string', multiple: true },
      again: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const forObject = values.pipeline !== undefined;
  if (
    forObject === (values.task !== undefined) ||
    (forObject && (!values.bucket || values.key === undefined))
  ) {
    throw new CliError(
      'usage: stevedore jobs submit --pipeline <p> --bucket <b> --key <k> | --task <t> [--env K=V ...]',
    );
  }
  if (forObject && values.env) throw new CliError('--env goes with --task (a pipeline job gets its object)');
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--env expects NAME=value, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const op = await operating(values);
  try {
    const again = values.again ? { again: true } : {};
    const launch = op.launch ? {} : { launch: false };
    const {
      job,
      created,
      launch: launched,
    } = await asCli(() =>
      forObject
        ? submitObject(op.deps, new S3ObjectHeads({ client: op.s3 }), {
            pipeline: values.pipeline ?? '',
            bucket: values.bucket ?? '',
            key: values.key ?? '',
            ...again,
            ...launch,
          })
        : submitTask(op.deps, { task: values.task ?? '', env, ...again, ...launch }),
    );
    const text = created
      ? `submitted ${job.jobId} (${job.source}): ${job.state}${launched === 'no-slot' ? ' (waiting for a slot)' : ''}${op.launch ? '' : ' (the sweeper launches it)'}`
      : `already submitted as ${job.jobId} (${job.state}): pass --again for another job`;
    print(
      values.json,
      { jobId: job.jobId, created, ...(launched ? { launch: launched } : {}), job: jobJson(job) },
      text,
    );
    return 0;
  } finally {
    op.close();
  }
}
