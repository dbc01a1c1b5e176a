import type { JobSource } from '@stevedore/core/config';
import {
  attemptOf,
  isOverdue,
  isTerminal,
  type Job,
  parseSlotHolder,
  STOP_REASONS,
  slotHolder,
  type TaskSnapshot,
} from '@stevedore/core/job';
import type { OpenJobQuery } from '@stevedore/core/ports';
import type { SourcePolicy } from '../app';
import type { HandlerDeps } from '../deps';
import { applyEvent, launchJob, runEffects } from '../jobs/job-steps';
import { stopForCancel } from '../operations/cancel';
import { recordMissedRuns } from '../schedules/missed-runs';
import { type HeldLease, holdLease, type LeaseTiming } from './lease';

/*
 * The sweeper repairs what events cannot: it stops attempts past their timeout, launches due retries
 * and waiting jobs, and reconciles open jobs with ECS itself, so a lost event or a crash between
 * RunTask and the ledger write is caught up.
 */

/**
 * Jobs with a task, and due waiting jobs, read per source and sweep (each). Past that, active jobs
 * are read from a random point, so every one is reached over a few sweeps.
 */
const MAX_OPEN_JOBS = 2000;
/** A due job with no recorded task for this long may have been launched by a handler that died. */
const ADOPT_AFTER_MS = 60_000;
/** ListTasks calls per source and sweep (ECS throttles ListTasks). */
const MAX_ADOPTION_LOOKUPS = 50;
/** A job with a task and no event for this long is checked against DescribeTasks. */
const QUIET_MS = 20_000;
/** A slot held this long by an attempt that has no task is given back. */
const STALE_SLOT_MS = 5 * 60_000;

export interface SweepReport {
  reconciled: number;
  timedOut: number;
  launched: number;
  adopted: number;
  slotsFreed: number;
  missed: number;
  /** Tasks of jobs marked for cancel that still ran: a cancel died before its StopTask. */
  cancelStops: number;
}

export interface SweepOptions {
  /** Stop starting new work after this long; the next sweep carries on. */
  budgetMs?: number;
  /** Record schedule runs that never fired (off when the local runtime speeds schedules up). */
  missedRuns?: boolean;
  /** Active jobs, and due waiting jobs, read per source (default MAX_OPEN_JOBS; tests lower it). */
  maxOpenJobs?: number;
  /** Aborted when the runtime stops: the sweep starts no new work and gives its lease back. */
  signal?: AbortSignal;
  /** The sweeper's lease (default SWEEP_LEASE; tests shorten it). */
  lease?: LeaseTiming;
}

/**
 * Renewed while a sweep runs, so a sweep of any length keeps it; a sweeper that dies (a crash, a
 * Lambda timeout) keeps everyone out for at most 15 s.
 */
export const SWEEP_LEASE: LeaseTiming = { ttlMs: 15_000, renewEveryMs: 5_000 };
const DEFAULT_BUDGET_MS = 45_000;

interface Budget {
  until: number;
  clock: HandlerDeps['clock'];
  lease: HeldLease;
  signal: AbortSignal | undefined;
}

/** True when the sweep must start no new work: out of time, stopping, or no longer the lease's holder. */
function spent(budget: Budget): boolean {
  return budget.clock.now().getTime() > budget.until || budget.lease.lost || budget.signal?.aborted === true;
}

/**
 * One sweep over every pipeline and schedule. Sweeps never overlap: each takes a lease in the ledger,
 * and a tick that finds it held does nothing (on AWS a slow sweep can outlast the one-minute rate).
 */
export async function sweep(deps: HandlerDeps, options: SweepOptions = {}): Promise<SweepReport | undefined> {
  if (options.signal?.aborted) return undefined;
  const started = deps.clock.now().getTime();
  const lease = await holdLease(deps, 'sweeper', options.lease ?? SWEEP_LEASE);
  if (!lease) {
    deps.logger.debug('sweep skipped: another sweep holds the lease');
    return undefined;
  }
  const budget: Budget = {
    until: started + (options.budgetMs ?? DEFAULT_BUDGET_MS),
    clock: deps.clock,
    lease,
    signal: options.signal,
  };
  try {
    const report: SweepReport = {
      reconciled: 0,
      timedOut: 0,
      launched: 0,
      adopted: 0,
      slotsFreed: 0,
      missed: 0,
      cancelStops: 0,
    };
    if (options.missedRuns !== false) report.missed = await recordMissedRuns(deps);
    for (const found of deps.app.sources) {
      if (spent(budget)) break;
      const { source } = found;
      const open = await openJobs(deps, source.name, options.maxOpenJobs ?? MAX_OPEN_JOBS);
      await reconcileActive(deps, found, open, report);
      const holders =
        source.concurrency !== undefined ? await deps.slots.slotHolders(source.name) : undefined;
      // Stale slots first, so the waiting jobs below can have them.
      if (holders) await freeStaleSlots(deps, source, holders, report);
      await launchWaitingJobs(deps, found, open, holders, report, budget);
    }
    if (Object.values(report).some((n) => n > 0)) deps.logger.info('sweep', { ...report });
    return report;
  } finally {
    await lease.release();
  }
}

/**
 * The source's jobs with a task and its waiting jobs that are due, read apart: in the ledger's index
 * active jobs sort before waiting ones, so one bounded read would never reach waiting jobs behind
 * thousands of running ones.
 */
async function openJobs(deps: HandlerDeps, source: string, maxJobs: number): Promise<Job[]> {
  const read = async (query: OpenJobQuery, max: number) => {
    const jobs: Job[] = [];
    let cursor: string | undefined;
    do {
      const limit = Math.min(100, max - jobs.length);
      const page = await deps.jobs.openJobs(source, { ...query, limit, ...(cursor ? { cursor } : {}) });
      jobs.push(...page.jobs);
      cursor = page.cursor;
    } while (cursor && jobs.length < max);
    return jobs;
  };
  // Job ids are `<source>-<hex>`: start at a random one and wrap around.
  const pivot = `${source}-${Math.random().toString(16).slice(2, 12)}`;
  const active = await read({ active: { from: pivot } }, maxJobs);
  if (active.length < maxJobs) {
    const seen = new Set(active.map((job) => job.jobId));
    const before = await read({ active: { through: pivot } }, maxJobs - active.length);
    active.push(...before.filter((job) => !seen.has(job.jobId)));
  }
  const waiting = await read({ dueBy: deps.clock.now() }, maxJobs);
  return [...active, ...waiting];
}

/** Jobs with a task: catch up on missed events from DescribeTasks, and stop attempts past their timeout. */
async function reconcileActive(deps: HandlerDeps, found: SourcePolicy, open: Job[], report: SweepReport) {
  const now = deps.clock.now();
  // A job whose events keep coming needs nothing; ask ECS only about quiet or overdue ones, and
  // about those marked for cancel (the cancel may have died before its StopTask).
  const quiet = (job: Job) =>
    now.getTime() - new Date(job.updatedAt).getTime() > QUIET_MS ||
    isOverdue(job, now) ||
    job.cancelRequested !== undefined;
  const active = open.filter((job) => job.taskArn !== undefined && !isTerminal(job.state) && quiet(job));
  if (active.length === 0) return;
  const described = await deps.launcher.describeTasks(active.map((job) => job.taskArn as string));
  const byArn = new Map(described.tasks.map((task) => [task.taskArn, task]));
  const missing = new Set(described.missing);

  for (const job of active) {
    const taskArn = job.taskArn as string;
    const task = byArn.get(taskArn);
    if (!task) {
      if (missing.has(taskArn)) report.reconciled += await forget(deps, found, job, taskArn);
      continue;
    }
    let current = job;
    if (task.version > job.taskVersion) {
      const caughtUp = await catchUp(deps, found, job.jobId, task);
      if (caughtUp) {
        report.reconciled += 1;
        current = caughtUp;
      }
    }
    const stopping = task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED';
    if (!stopping && current.cancelRequested !== undefined) {
      deps.logger.warn('stopping the task of a cancelled job again', { jobId: job.jobId, taskArn });
      await stopForCancel(deps, taskArn, current.cancelRequested);
      report.cancelStops += 1;
      continue;
    }
    // Checked after catching up: a task whose events were lost has no start time on record before.
    if (!stopping && isOverdue(current, now)) {
      deps.logger.warn('attempt timed out', {
        jobId: job.jobId,
        attempt: job.attempt,
        timeoutSeconds: job.timeoutSeconds,
      });
      await deps.launcher.stopTask(taskArn, STOP_REASONS.timeout);
      report.timedOut += 1;
    }
  }
}

/** ECS no longer knows the attempt's task: the attempt ended, its outcome unknown. */
async function forget(deps: HandlerDeps, found: SourcePolicy, job: Job, taskArn: string): Promise<number> {
  const { decision, result } = await applyEvent(deps, job.jobId, found, {
    type: 'task-missing',
    attempt: job.attempt,
    taskArn,
    ...(job.uncountedAttempts ? { uncountedAttempts: job.uncountedAttempts } : {}),
  });
  if (decision) await runEffects(deps, decision.effects);
  return result.applied ? 1 : 0;
}

/** Applies a DescribeTasks snapshot exactly as the task's event would have been applied. */
async function catchUp(
  deps: HandlerDeps,
  found: SourcePolicy,
  jobId: string,
  task: TaskSnapshot,
): Promise<Job | undefined> {
  const { decision, result } = await applyEvent(deps, jobId, found, { type: 'task', task });
  if (decision && task.lastStatus === 'STOPPED') await runEffects(deps, decision.effects);
  return result.applied ? result.job : undefined;
}

/** Waiting jobs: adopt tasks launched but never recorded, then launch the due ones, oldest first. */
async function launchWaitingJobs(
  deps: HandlerDeps,
  found: SourcePolicy,
  open: Job[],
  holders: Record<string, string> | undefined,
  report: SweepReport,
  budget: Budget,
) {
  const now = deps.clock.now();
  const waiting = open
    .filter((job) => job.state === 'SUBMITTED' && job.taskArn === undefined)
    .filter((job) => !job.notBefore || new Date(job.notBefore) <= now)
    .sort((a, b) => (a.notBefore ?? a.createdAt).localeCompare(b.notBefore ?? b.createdAt));

  // Only a job that may have been launched is worth a ListTasks: in a capped source, one holding a slot.
  const mayHaveLaunched = (job: Job) =>
    now.getTime() - new Date(job.updatedAt).getTime() > ADOPT_AFTER_MS &&
    (!holders || holders[slotHolder(job.jobId, job.attempt)] !== undefined);
  let lookups = 0;
  for (const listed of waiting) {
    if (spent(budget)) return;
    // The listing may be seconds old: a handler may have launched or finished the job since.
    const job = await deps.jobs.getJob(listed.jobId);
    if (job?.state !== 'SUBMITTED' || job.taskArn !== undefined || job.attempt !== listed.attempt) continue;
    if (lookups < MAX_ADOPTION_LOOKUPS && mayHaveLaunched(job)) {
      lookups += 1;
      if (await adopt(deps, found, job)) {
        report.adopted += 1;
        continue;
      }
    }
    const outcome = await launchJob(deps, job);
    if (outcome === 'launched') report.launched += 1;
    if (outcome === 'no-slot') break;
  }
}

/** Finds a task ECS started for the job's current attempt and records it. */
async function adopt(deps: HandlerDeps, found: SourcePolicy, job: Job): Promise<boolean> {
  const arns = await deps.launcher.listTasks(job.jobId);
  if (arns.length === 0) return false;
  const { tasks } = await deps.launcher.describeTasks(arns);
  const task = tasks.find((t) => attemptOf(t) === job.attempt);
  if (!task) return false;
  deps.logger.warn('adopting a task launched but never recorded', {
    jobId: job.jobId,
    taskArn: task.taskArn,
  });
  await catchUp(deps, found, job.jobId, task);
  return true;
}

/**
 * Gives back slots that no live attempt holds: at once when the attempt has ended (the job is
 * terminal or on a later attempt, or gone), since nothing can start for it any more; after
 * STALE_SLOT_MS when the attempt has no task yet, since its launch may still be under way.
 */
async function freeStaleSlots(
  deps: HandlerDeps,
  source: JobSource,
  holders: Record<string, string>,
  report: SweepReport,
) {
  const now = deps.clock.now().getTime();
  for (const [holder, since] of Object.entries(holders)) {
    const held = parseSlotHolder(holder);
    const job = held ? await deps.jobs.getJob(held.jobId) : undefined;
    const ended = !held || !job || isTerminal(job.state) || job.attempt > held.attempt;
    const unlaunched =
      job !== undefined &&
      (job.attempt !== held?.attempt || (job.state === 'SUBMITTED' && job.taskArn === undefined));
    if (ended || (unlaunched && now - new Date(since).getTime() >= STALE_SLOT_MS)) {
      await deps.slots.releaseSlot(source.name, holder);
      delete holders[holder];
      report.slotsFreed += 1;
    }
  }
}
