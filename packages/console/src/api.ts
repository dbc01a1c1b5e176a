import {
  cancelJob,
  listDeadLetters,
  OperationError,
  redrive,
  retryJob,
  UnknownDeadLetterError,
  upcomingRuns,
} from '@stevedore/control';
import { deadLetterQueueName } from '@stevedore/core/config';
import { JOB_STATES, type Job, jobCost, jobHistory } from '@stevedore/core/job';
import type { DecisionRecord } from '@stevedore/core/ports';
import type { ConsoleBackend } from './backend';
import { ConsoleRequestError } from './errors';
import { listJobPage, parseJobQuery, withPrefixSource } from './job-listing';
import { overview } from './overview';
import { jobTimeline } from './timeline';

/*
 * The JSON API: each function answers one route with what the page shows, through the same use cases
 * and stores as the CLI (so a row here is a row of `stevedore jobs list --json`).
 */

/**
 * A job as the API and `stevedore jobs list --json` give it: the ledger's job, its history with every
 * task step (see `jobHistory`) and its total cost.
 */
export function jobJson(job: Job) {
  return { ...job, history: jobHistory(job), cost: jobCost(job) };
}

/** Names the pages need for their menus and filters. */
export function info(backend: ConsoleBackend) {
  const { app } = backend.deps;
  return {
    app: app.config.app,
    where: backend.where,
    states: JOB_STATES,
    sources: app.sources.map(({ source }) => ({ name: source.name, kind: source.kind })),
    workers: app.workers.map((worker) => worker.name),
    schedules: Object.keys(app.config.schedules),
  };
}

export async function overviewJson(backend: ConsoleBackend) {
  const [sources, workers, schedules] = await Promise.all([
    overview(backend.deps, backend.deps.clock.now()),
    Promise.all(backend.deps.app.workers.map((worker) => workerStatus(backend, worker.name))),
    schedulesJson(backend),
  ]);
  return { sources, workers, schedules };
}

export async function jobsJson(backend: ConsoleBackend, params: URLSearchParams) {
  const parsed = parseJobQuery(params);
  const pipelines = backend.deps.app.sources
    .filter(({ source }) => source.kind === 'pipeline')
    .map(({ source }) => source.name);
  const filter = withPrefixSource(parsed.filter, pipelines);
  const listing = await listJobPage(backend.deps.jobs, filter, parsed.limit, parsed.cursor);
  return { ...listing, jobs: listing.jobs.map(jobJson) };
}

export async function jobDetail(backend: ConsoleBackend, jobId: string) {
  const job = await requireJob(backend, jobId);
  // The rules its attempts' ends name (`rules[0]: RETRY`, `otherwise: EXIT`), as the config has them now.
  const retry = backend.deps.app.source(job.source)?.source.retry ?? null;
  return {
    job: jobJson(job),
    timeline: jobTimeline(job),
    retry,
    now: backend.deps.clock.now().toISOString(),
  };
}

export async function jobLog(backend: ConsoleBackend, jobId: string, params: URLSearchParams) {
  const job = await requireJob(backend, jobId);
  const attempts = Object.keys(job.attempts).map(Number);
  const attempt = params.has('attempt') ? Number(params.get('attempt')) : Math.max(0, ...attempts);
  if (!job.attempts[String(attempt)]) {
    return { attempt, text: '', next: '', missing: true };
  }
  return { attempt, ...(await backend.readLog(job, attempt, params.get('from') ?? '')) };
}

export async function cancel(backend: ConsoleBackend, jobId: string, body: { reason?: unknown }) {
  const reason = typeof body.reason === 'string' && body.reason.trim() ? { reason: body.reason } : {};
  const { outcome, job } = await asRequestError(() =>
    cancelJob(backend.deps, jobId, { ...reason, ...(backend.launch ? {} : { launch: false }) }),
  );
  return { outcome, job: jobJson(job) };
}

export async function retry(backend: ConsoleBackend, jobId: string) {
  const result = await asRequestError(() =>
    retryJob(backend.deps, jobId, backend.launch ? {} : { launch: false }),
  );
  return {
    created: result.created,
    job: jobJson(result.job),
    ...(result.launch ? { launch: result.launch } : {}),
  };
}

/** A worker now: its queue, dead-letter queue, tasks and last decision (as `stevedore workers --json`). */
export async function workerStatus(backend: ConsoleBackend, name: string) {
  const worker = backend.deps.app.workers.find((w) => w.name === name);
  if (!worker) throw new ConsoleRequestError(`no worker ${name}`, 404);
  const { gauge, scaler, scaling } = backend.deps;
  const [depth, deadLetters, state, record, tasks] = await Promise.all([
    gauge.depth(worker.config.queue),
    gauge.depth(deadLetterQueueName(worker.config.queue)),
    scaler.describeService(worker.service),
    scaling.workerRecord(name, worker.service),
    scaler.serviceTasks(worker.service),
  ]);
  return {
    name,
    queue: worker.config.queue,
    visible: depth.visible,
    inFlight: depth.inFlight,
    deadLetters: deadLetters.visible + deadLetters.inFlight + deadLetters.delayed,
    desired: state?.desired ?? 0,
    running: state?.running ?? 0,
    protected: tasks.length > 0 ? await scaler.protectedTasks(tasks) : 0,
    min: worker.config.min,
    max: worker.config.max,
    lastDecision: record.lastDecision ?? null,
  };
}

/** A worker with its decisions, newest first (as `stevedore workers history --json`). */
export async function workerJson(backend: ConsoleBackend, name: string, params: URLSearchParams) {
  const status = await workerStatus(backend, name);
  const limit = Math.min(1000, Math.max(1, Number(params.get('limit') ?? 200) || 200));
  const service = backend.deps.app.names.service(name);
  const { decisions } = await backend.deps.scaling.decisions(service, { limit });
  return { status, decisions: decisions satisfies DecisionRecord[] };
}

/** Every schedule: next runs in its zone, last runs with their states, missed runs. */
export async function schedulesJson(backend: ConsoleBackend) {
  const now = backend.scheduleNow();
  const { schedules } = backend.deps.app.config;
  return Promise.all(
    Object.entries(schedules).map(async ([name, schedule]) => {
      const [state, recent] = await Promise.all([
        backend.deps.schedules.scheduleState(name),
        backend.deps.jobs.listJobs({ source: name, limit: 20 }),
      ]);
      const next = upcomingRuns(schedule, state, now, 5);
      const runs = recent.jobs.map((job) => ({
        jobId: job.jobId,
        scheduledTime: job.input.STEVEDORE_SCHEDULED_TIME ?? job.createdAt,
        state: job.state,
        reason: job.reason ?? null,
        // The sweeper records a run that never arrived as a FAILED job that never started.
        missed: isMissed(job),
      }));
      return {
        name,
        expression: schedule.expression,
        timezone: schedule.timezone,
        overlap: schedule.overlap,
        enabled: schedule.enabled,
        task: schedule.task,
        next,
        activeJob: state.activeJob ?? null,
        lastRuns: runs.filter((run) => !run.missed).slice(0, 10),
        missedRuns: runs.filter((run) => run.missed),
        lastSuccess: state.lastSuccess ?? null,
      };
    }),
  );
}

export async function runSchedule(backend: ConsoleBackend, name: string) {
  if (!backend.deps.app.config.schedules[name]) throw new ConsoleRequestError(`no schedule ${name}`, 404);
  return backend.runSchedule(name);
}

export async function deadLettersJson(backend: ConsoleBackend) {
  return { where: backend.deadLetters.name, letters: await listDeadLetters(backend.deadLetters.store) };
}

export async function redriveJson(backend: ConsoleBackend, body: { ids?: unknown }) {
  const ids = Array.isArray(body.ids)
    ? body.ids.filter((id): id is string => typeof id === 'string')
    : undefined;
  try {
    return await redrive(backend.deadLetters.store, backend.deadLetters.invoker(), ids ? { ids } : {});
  } catch (error) {
    if (error instanceof UnknownDeadLetterError)
      throw new ConsoleRequestError(error.message, 404, { cause: error });
    throw error;
  }
}

async function requireJob(backend: ConsoleBackend, jobId: string): Promise<Job> {
  const job = await backend.deps.jobs.getJob(jobId);
  if (!job) throw new ConsoleRequestError(`no job ${jobId}`, 404);
  return job;
}

/** An operation's refusal (unknown job, wrong state) is the user's one line, as in the CLI. */
async function asRequestError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OperationError) {
      throw new ConsoleRequestError(error.message, error.kind.startsWith('unknown') ? 404 : 409, {
        cause: error,
      });
    }
    throw error;
  }
}

/** A run that never arrived: the sweeper (recordMissedRuns) records it FAILED, never started, saying so. */
function isMissed(job: Job): boolean {
  return (
    job.state === 'FAILED' &&
    Object.keys(job.attempts).length === 0 &&
    (job.reason?.startsWith('missed:') ?? false)
  );
}
