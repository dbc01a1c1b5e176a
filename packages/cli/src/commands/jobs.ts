import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttemptRecord,
  attemptPhases,
  CAPACITY_REASON_TEXT,
  type HistoryEntry,
  isJobState,
  isTerminal,
  JOB_STATES,
  type Job,
  jobCost,
  jobHistory,
  taskIdOf,
} from '@stevedore/core/job';
import { closest, parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { jobColumn } from '../lib/dev-logger';
import { numberFlag } from '../lib/number-flag';
import { renderPhases } from '../lib/phase-chart';
import { requireJob, shortJobId } from '../lib/short-id';
import {
  formatDuration,
  formatTime,
  formatUsd,
  plural,
  renderTable,
  TABLE_WIDTH,
  timeHeader,
} from '../lib/table';
import { configOf, resolveTarget, TARGET_OPTIONS, type Target, type TargetFlags } from '../lib/target';
import { parseSince } from '../lib/time-flag';

/** A job as the CLI prints it in JSON: the ledger's job, its history with every task step, its total cost. */
export function jobJson(job: Job): Job & { cost: ReturnType<typeof jobCost> } {
  return { ...job, history: jobHistory(job), cost: jobCost(job) };
}

/** `stevedore jobs list` */
export async function jobsList(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TARGET_OPTIONS,
      pipeline: { type: 'string' },
      schedule: { type: 'string' },
      prefix: { type: 'string' },
      status: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string', default: '25' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.pipeline && values.schedule) throw new CliError('pass --pipeline or --schedule, not both');
  if (values.prefix && values.schedule) {
    throw new CliError("--prefix lists a pipeline's jobs by object key; a schedule's jobs have no key");
  }
  const keyPrefix = values.prefix || undefined;
  const status = values.status?.toUpperCase();
  if (status !== undefined && !isJobState(status)) {
    throw new CliError(`--status expects one of ${JOB_STATES.join(', ')}, got ${values.status}`);
  }
  const limit = numberFlag('limit', values.limit, { min: 1, max: 10_000, integer: true });
  const now = new Date();
  const since = values.since === undefined ? undefined : parseSince(values.since, now);
  const until = values.until === undefined ? undefined : parseSince(values.until, now, 'until');

  const target = await resolveTarget(values);
  let source = values.pipeline ?? values.schedule;
  if (keyPrefix && !source) source = await onlyPipeline(target, values);
  if (source) {
    // A name that is no pipeline or schedule would list nothing and look like "no jobs yet".
    const config = await configOf(target, values);
    const kind = values.pipeline ? 'pipeline' : 'schedule';
    const names = Object.keys(kind === 'pipeline' ? config.pipelines : config.schedules);
    if (!names.includes(source)) {
      target.client.destroy();
      const near = closest(source, names);
      throw new CliError(
        `no ${kind} ${JSON.stringify(source)}${near ? ` (did you mean ${near}?)` : ''}; ${kind}s: ${names.join(', ') || 'none'}`,
      );
    }
  }
  const found: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await target.ledger.jobs.listJobs({
      limit: Math.min(100, limit - found.length),
      ...(source ? { source } : {}),
      ...(status ? { state: status } : {}),
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
      ...(keyPrefix ? { keyPrefix } : {}),
      ...(cursor ? { cursor } : {}),
    });
    found.push(...page.jobs);
    cursor = page.cursor;
  } while (cursor && found.length < limit);
  target.client.destroy();

  if (values.json) {
    process.stdout.write(`${JSON.stringify(found.map(jobJson), null, 2)}\n`);
    return 0;
  }
  if (found.length === 0) {
    process.stdout.write('no jobs\n');
    return 0;
  }
  process.stdout.write(`${jobsTable(found)}\n`);
  return 0;
}

/**
 * The pipeline `--prefix` lists within when none is named: the config's only one. Keys are listed per
 * pipeline (the ledger's key index); with several, which one is the user's to say.
 */
async function onlyPipeline(target: Target, flags: TargetFlags): Promise<string> {
  const pipelines = Object.keys((await configOf(target, flags)).pipelines);
  if (pipelines.length === 1) return pipelines[0] as string;
  target.client.destroy();
  throw new CliError(
    `--prefix needs --pipeline: object keys are listed per pipeline; pipelines: ${pipelines.join(', ') || 'none'}`,
  );
}

/** The `jobs list` table: short ids, so it fits 100 columns; --json has the full ones. */
export function jobsTable(jobs: readonly Job[], now = new Date()): string {
  return renderTable(jobs, [
    { header: 'JOB', cell: (j) => shortJobId(j.jobId) },
    { header: 'STATE', cell: (j) => j.state },
    { header: 'ATTEMPT', cell: (j) => `${j.attempt}/${j.maxAttempts}`, right: true },
    { header: timeHeader('CREATED'), cell: (j) => formatTime(j.createdAt, now) },
    { header: 'DURATION', cell: (j) => formatDuration(jobDurationMs(j, now)), right: true },
    { header: 'COST', cell: (j) => formatUsd(jobCost(j).usd), right: true },
    { header: 'INPUT', cell: (j) => j.input.S3_KEY ?? '', shrink: true },
    { header: 'REASON', cell: (j) => j.reason ?? '', shrink: true },
  ]);
}

/** `stevedore jobs show` */
export async function jobsShow(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, json: { type: 'boolean', default: false } },
  });
  const jobId = positionals[0];
  if (!jobId) throw new CliError('usage: stevedore jobs show <jobId> [--json]');
  const target = await resolveTarget(values);
  const job = await requireJob(target.ledger.jobs, jobId).finally(() => target.client.destroy());
  const phases = attemptPhases(job, new Date());
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...jobJson(job), phases }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${jobText(job)}\n`);
  return 0;
}

/** What `jobs show` prints: the job's facts, its attempts and its history, each fitting 100 columns. */
export function jobText(job: Job, now = new Date()): string {
  const cost = jobCost(job);
  const facts: [string, string][] = [
    ['job', job.jobId],
    ['source', `${job.kind} ${job.source}`],
    ['task', job.task],
    ['state', job.reason ? `${job.state} (${job.reason})` : job.state],
    ['attempt', `${job.attempt} of ${plural(job.maxAttempts, 'attempt')}`],
    ['created', job.createdAt],
    ...(job.finishedAt ? ([['finished', job.finishedAt]] as [string, string][]) : []),
    ...(job.notBefore ? ([['not before', job.notBefore]] as [string, string][]) : []),
    ['timeout', `${job.timeoutSeconds} s per attempt`],
    [
      'cost',
      `${formatUsd(cost.usd)} (${cost.vcpuSeconds.toFixed(0)} vCPU-s, ${cost.gbSeconds.toFixed(0)} GB-s)`,
    ],
    ...Object.entries(job.input).map(([k, v]) => [`input ${k}`, v] as [string, string]),
  ];
  const width = Math.max(...facts.map(([k]) => k.length));
  const parts = [facts.map(([k, v]) => `${k.padEnd(width)}  ${v}`.slice(0, TABLE_WIDTH)).join('\n')];

  const attempts = Object.values(job.attempts).sort((a, b) => a.attempt - b.attempt);
  if (attempts.length > 0) {
    parts.push(
      renderTable(attempts, [
        { header: '#', cell: (a) => String(a.attempt), right: true },
        // The task id, short as docker prints containers; --json has the ARN.
        { header: 'TASK', cell: (a) => taskIdOf(a.taskArn).slice(0, 12) },
        { header: 'STATUS', cell: (a) => a.lastStatus },
        { header: 'CAPACITY', cell: (a) => capacityShort(a.capacityProvider) },
        { header: timeHeader('STARTED'), cell: (a) => formatTime(a.startedAt, now) },
        { header: 'DURATION', cell: (a) => formatDuration(attemptDurationMs(a, now)), right: true },
        { header: 'EXIT', cell: (a) => a.containers.map((c) => c.exitCode ?? '-').join(','), right: true },
        { header: 'STOP CODE', cell: (a) => a.stopCode ?? '' },
      ]),
    );
    // Why each attempt stopped, and why it ran where it did: free text, a line each, under the table.
    const notes = attempts.flatMap((a) => [
      ...(a.stoppedReason ? [`  attempt ${a.attempt} stopped: ${a.stoppedReason}`] : []),
      ...(a.capacityReason
        ? [`  attempt ${a.attempt} capacity: ${CAPACITY_REASON_TEXT[a.capacityReason]}`]
        : []),
    ]);
    if (notes.length > 0) parts.push(notes.map((line) => clipLine(line)).join('\n'));
    parts.push(renderPhases(attemptPhases(job, now)));
  }
  parts.push(
    renderTable(jobHistory(job), [
      { header: timeHeader('TIME'), cell: (h) => formatTime(h.at, now) },
      { header: 'STATE', cell: (h) => h.state },
      { header: '#', cell: (h) => String(h.attempt), right: true },
      { header: 'TASK STATUS', cell: (h) => h.taskStatus ?? '' },
      { header: 'VERSION', cell: (h) => (h.version === undefined ? '' : String(h.version)), right: true },
      { header: 'REASON', cell: (h) => h.reason ?? '', shrink: true },
    ]),
  );
  return parts.join('\n\n');
}

/** One history entry's identity, for printing each once. */
function entryKey(h: HistoryEntry): string {
  return [h.at, h.state, h.attempt, h.taskStatus ?? '', h.reason ?? ''].join('|');
}

function clipLine(line: string): string {
  return line.length > TABLE_WIDTH ? `${line.slice(0, TABLE_WIDTH - 1)}…` : line;
}

function capacityShort(provider: string | undefined): string {
  return provider === 'FARGATE_SPOT' ? 'spot' : provider === 'FARGATE' ? 'on-demand' : (provider ?? '');
}

/**
 * Polls the newest jobs and prints each history entry once, as it is recorded. A job seen open that
 * newer jobs push off the first page is read on its own until it ends, so a long or retrying job's
 * transitions still show during a burst.
 */
export async function jobsWatch(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TARGET_OPTIONS,
      interval: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
    },
  });
  const intervalMs = numberFlag('interval', values.interval, { min: 0.1, max: 3600 }) * 1000;
  const target = await resolveTarget(values);
  // Per job, the entries printed: a task's steps before its latest event join the history with it.
  const seen = new Map<string, Set<string>>();
  let first = true;
  // Ctrl-C ends the wait between polls at once, not after the interval.
  const stopped = new AbortController();
  process.on('SIGINT', () => stopped.abort());
  // The banner goes to stderr with --json, so stdout is JSON lines only.
  (values.json ? process.stderr : process.stdout).write('watching job transitions (Ctrl-C to stop)\n');
  const open = new Set<string>();
  while (!stopped.signal.aborted) {
    const page = await target.ledger.jobs.listJobs({ limit: 100 });
    const onPage = new Set(page.jobs.map((job) => job.jobId));
    const offPage: Job[] = [];
    const followed = [...open].filter((id) => !onPage.has(id));
    // A few reads at a time: during a burst thousands of jobs may be open.
    for (let i = 0; i < followed.length; i += 25) {
      const chunk = followed.slice(i, i + 25);
      const read = await Promise.all(chunk.map((id) => target.ledger.jobs.getJob(id)));
      read.forEach((job, j) => {
        if (job) offPage.push(job);
        else open.delete(chunk[j] as string); // expired or gone: stop following it
      });
    }
    const jobs = [...offPage, ...[...page.jobs].reverse()];
    for (const job of jobs) {
      if (isTerminal(job.state)) open.delete(job.jobId);
      else open.add(job.jobId);
      const history = jobHistory(job);
      const printed = seen.get(job.jobId) ?? new Set<string>();
      // On the first poll, show only where each job stands, not its whole past.
      const entries = first ? history.slice(-1) : history.filter((h) => !printed.has(entryKey(h)));
      for (const h of entries) {
        if (values.json) {
          const line = { jobId: job.jobId, source: job.source, ...h };
          process.stdout.write(`${JSON.stringify(line)}\n`);
          continue;
        }
        const detail = [h.taskStatus, h.reason].filter(Boolean).join('  ');
        process.stdout.write(
          `${formatTime(h.at)}  ${jobColumn(job.jobId)}  ${h.state.padEnd(9)}  attempt ${h.attempt}  ${detail}`
            .slice(0, TABLE_WIDTH)
            .trimEnd()
            .concat('\n'),
        );
      }
      seen.set(job.jobId, new Set(history.map(entryKey)));
    }
    first = false;
    await sleep(intervalMs, undefined, { signal: stopped.signal }).catch((error: unknown) => {
      if (!stopped.signal.aborted) throw error; // aborted: Ctrl-C, the loop ends
    });
  }
  target.client.destroy();
  return 0;
}

function attemptDurationMs(a: AttemptRecord, now = new Date()): number {
  const start = a.startedAt ?? a.createdAt;
  if (!start) return Number.NaN;
  const end = a.stoppedAt ? new Date(a.stoppedAt) : now;
  return end.getTime() - new Date(start).getTime();
}

function jobDurationMs(job: Job, now = new Date()): number {
  const end = job.finishedAt ? new Date(job.finishedAt) : now;
  return end.getTime() - new Date(job.createdAt).getTime();
}

/** The task id of an attempt, for log lookups. */
export function attemptTaskId(job: Job, attempt: number): string | undefined {
  const record = job.attempts[String(attempt)];
  return record ? taskIdOf(record.taskArn) : undefined;
}
