import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  type AttemptRecord,
  attemptPhases,
  CAPACITY_REASON_TEXT,
  isJobState,
  isTerminal,
  JOB_STATES,
  type Job,
  jobCost,
  taskIdOf,
} from '@stevedore/core/job';
import { CliError } from '../lib/cli-error';
import { numberFlag } from '../lib/number-flag';
import { renderPhases } from '../lib/phase-chart';
import { formatDuration, formatTime, formatUsd, renderTable } from '../lib/table';
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../lib/target';
import {
  cancelCommand,
  JOB_OPERATIONS_USAGE,
  parseSince,
  retryCommand,
  submitCommand,
} from './job-operations';

export const JOBS_USAGE = `stevedore jobs list [--pipeline <p> | --schedule <s>] [--status <s>] [--since <t>] [--until <t>] [--limit <n>] [--json]
stevedore jobs show <jobId> [--json]
stevedore jobs watch

  list    jobs newest first, as a table (--json: an array of jobs); --since/--until bound when they
          were created (ISO time, or 30m, 6h, 2d ago)
  show    one job: its attempts (task ARNs, capacity asked and why, exit codes, stop reasons,
          durations, cost), where each attempt's time went (waiting, provisioning, image pull,
          starting, running, stopping) as a bar chart, and its history (--json adds "phases")
  watch   job transitions as they are recorded

${JOB_OPERATIONS_USAGE}

${TARGET_USAGE}`;

/** A job as the CLI prints it in JSON: the ledger's job plus its total cost. */
export function jobJson(job: Job): Job & { cost: ReturnType<typeof jobCost> } {
  return { ...job, cost: jobCost(job) };
}

/** `stevedore jobs ...` */
export async function jobs(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list':
      return list(rest);
    case 'show':
      return show(rest);
    case 'watch':
      return watch(rest);
    case 'cancel':
      return cancelCommand(rest);
    case 'retry':
      return retryCommand(rest);
    case 'submit':
      return submitCommand(rest);
    default:
      throw new CliError(`unknown jobs command ${JSON.stringify(sub ?? '')}\n\n${JOBS_USAGE}`);
  }
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TARGET_OPTIONS,
      pipeline: { type: 'string' },
      schedule: { type: 'string' },
      status: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string', default: '25' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.pipeline && values.schedule) throw new CliError('pass --pipeline or --schedule, not both');
  const source = values.pipeline ?? values.schedule;
  const status = values.status?.toUpperCase();
  if (status !== undefined && !isJobState(status)) {
    throw new CliError(`--status expects one of ${JOB_STATES.join(', ')}, got ${values.status}`);
  }
  const limit = numberFlag('limit', values.limit, { min: 1, max: 10_000, integer: true });
  const now = new Date();
  const since = values.since === undefined ? undefined : parseSince(values.since, now);
  const until = values.until === undefined ? undefined : parseSince(values.until, now, 'until');

  const target = await resolveTarget(values);
  const found: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await target.ledger.jobs.listJobs({
      limit: Math.min(100, limit - found.length),
      ...(source ? { source } : {}),
      ...(status ? { state: status } : {}),
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
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
  process.stdout.write(
    `${renderTable(found, [
      { header: 'JOB', cell: (j) => j.jobId },
      { header: 'STATE', cell: (j) => j.state },
      { header: 'ATTEMPT', cell: (j) => `${j.attempt}/${j.maxAttempts}`, right: true },
      { header: 'CREATED', cell: (j) => formatTime(j.createdAt) },
      { header: 'DURATION', cell: (j) => formatDuration(jobDurationMs(j)), right: true },
      { header: 'COST', cell: (j) => formatUsd(jobCost(j).usd), right: true },
      { header: 'INPUT', cell: (j) => j.input.S3_KEY ?? '', max: 40 },
      { header: 'REASON', cell: (j) => j.reason ?? '', max: 60 },
    ])}\n`,
  );
  return 0;
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, json: { type: 'boolean', default: false } },
  });
  const jobId = positionals[0];
  if (!jobId) throw new CliError('usage: stevedore jobs show <jobId> [--json]');
  const target = await resolveTarget(values);
  const job = await target.ledger.jobs.getJob(jobId);
  target.client.destroy();
  if (!job) throw new CliError(`no job ${jobId}`);
  const phases = attemptPhases(job, new Date());
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...jobJson(job), phases }, null, 2)}\n`);
    return 0;
  }
  const cost = jobCost(job);
  const facts: [string, string][] = [
    ['job', job.jobId],
    ['source', `${job.kind} ${job.source}`],
    ['task', job.task],
    ['state', job.reason ? `${job.state} (${job.reason})` : job.state],
    ['attempt', `${job.attempt} of ${job.maxAttempts}`],
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
  process.stdout.write(`${facts.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n\n`);

  const attempts = Object.values(job.attempts).sort((a, b) => a.attempt - b.attempt);
  if (attempts.length > 0) {
    process.stdout.write(
      `${renderTable(attempts, [
        { header: 'ATTEMPT', cell: (a) => String(a.attempt), right: true },
        { header: 'TASK', cell: (a) => a.taskArn },
        { header: 'STATUS', cell: (a) => a.lastStatus },
        { header: 'CAPACITY', cell: (a) => a.capacityProvider ?? '' },
        {
          header: 'WHY',
          cell: (a) => (a.capacityReason ? CAPACITY_REASON_TEXT[a.capacityReason] : ''),
          max: 40,
        },
        { header: 'STARTED', cell: (a) => formatTime(a.startedAt) },
        { header: 'DURATION', cell: (a) => formatDuration(attemptDurationMs(a)), right: true },
        { header: 'EXIT', cell: (a) => a.containers.map((c) => c.exitCode ?? '-').join(','), right: true },
        { header: 'STOP CODE', cell: (a) => a.stopCode ?? '' },
        { header: 'STOPPED REASON', cell: (a) => a.stoppedReason ?? '', max: 50 },
        { header: 'COST', cell: (a) => (a.cost ? formatUsd(a.cost.usd) : ''), right: true },
      ])}\n\n`,
    );
    process.stdout.write(`${renderPhases(phases)}\n\n`);
  }
  process.stdout.write(
    `${renderTable(job.history, [
      { header: 'TIME', cell: (h) => formatTime(h.at) },
      { header: 'STATE', cell: (h) => h.state },
      { header: 'ATTEMPT', cell: (h) => String(h.attempt), right: true },
      { header: 'TASK STATUS', cell: (h) => h.taskStatus ?? '' },
      { header: 'VERSION', cell: (h) => (h.version === undefined ? '' : String(h.version)), right: true },
      { header: 'REASON', cell: (h) => h.reason ?? '', max: 80 },
    ])}\n`,
  );
  return 0;
}

/**
 * Polls the newest jobs and prints each history entry once, as it is recorded. A job seen open that
 * newer jobs push off the first page is read on its own until it ends, so a long or retrying job's
 * transitions still show during a burst.
 */
async function watch(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...TARGET_OPTIONS, interval: { type: 'string', default: '1' } },
  });
  const intervalMs = numberFlag('interval', values.interval, { min: 0.1, max: 3600 }) * 1000;
  const target = await resolveTarget(values);
  const seen = new Map<string, number>();
  let first = true;
  // Ctrl-C ends the wait between polls at once, not after the interval.
  const stopped = new AbortController();
  process.on('SIGINT', () => stopped.abort());
  process.stdout.write('watching job transitions (Ctrl-C to stop)\n');
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
      const from = seen.get(job.jobId) ?? 0;
      // On the first poll, show only where each job stands, not its whole past.
      const entries = first ? job.history.slice(-1) : job.history.slice(from);
      for (const h of entries) {
        const detail = [h.taskStatus, h.reason].filter(Boolean).join('  ');
        process.stdout.write(
          `${formatTime(h.at)}  ${job.jobId.padEnd(41)}  ${h.state.padEnd(9)}  attempt ${h.attempt}  ${detail}\n`,
        );
      }
      seen.set(job.jobId, job.history.length);
    }
    first = false;
    await sleep(intervalMs, undefined, { signal: stopped.signal }).catch((error: unknown) => {
      if (!stopped.signal.aborted) throw error; // aborted: Ctrl-C, the loop ends
    });
  }
  target.client.destroy();
  return 0;
}

function attemptDurationMs(a: AttemptRecord): number {
  const start = a.startedAt ?? a.createdAt;
  if (!start) return Number.NaN;
  const end = a.stoppedAt ? new Date(a.stoppedAt) : new Date();
  return end.getTime() - new Date(start).getTime();
}

function jobDurationMs(job: Job): number {
  const end = job.finishedAt ? new Date(job.finishedAt) : new Date();
  return end.getTime() - new Date(job.createdAt).getTime();
}

/** The task id of an attempt, for log lookups. */
export function attemptTaskId(job: Job, attempt: number): string | undefined {
  const record = job.attempts[String(attempt)];
  return record ? taskIdOf(record.taskArn) : undefined;
}
