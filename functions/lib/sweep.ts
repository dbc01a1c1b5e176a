import {
  attemptOf,
  isOverdue,
  isTerminal,
  type Job,
  type JobSource,
  jobSources,
  STOP_REASONS,
  slotHolder,
  type TaskSnapshot,
} from '@stevedore/core';
import type { HandlerDeps } from './deps';
import { applyEvent, launchJob, runEffects, type SourcePolicy, sourcePolicy } from './job-runner';

/*
 * The sweeper repairs what events cannot: it stops attempts past their timeout, launches due retries
 * and waiting jobs, and reconciles open jobs with ECS itself, so a lost event or a crash between
 * RunTask and the ledger write is caught up.
 */

/** Open jobs read per source and sweep; the rest wait for the next sweep. */
const MAX_OPEN_JOBS = 2000;
/** A due job with no recorded task for this long may have been launched by a handler that died. */
const ADOPT_AFTER_MS = 60_000;
/** ListTasks calls per source and sweep (ECS throttles ListTasks). */
const MAX_ADOPTION_LOOKUPS = 50;
/** A slot held this long by an attempt that has no task is given back. */
const STALE_SLOT_MS = 5 * 60_000;

export interface SweepReport {
  reconciled: number;
  timedOut: number;
  launched: number;
  adopted: number;
  slotsFreed: number;
}

/** One sweep over every pipeline and schedule. */
export async function sweep(deps: HandlerDeps): Promise<SweepReport> {
  const report: SweepReport = { reconciled: 0, timedOut: 0, launched: 0, adopted: 0, slotsFreed: 0 };
  for (const source of jobSources(deps.config)) {
    const found = sourcePolicy(deps, source.name);
    if (!found) continue;
    const open = await openJobs(deps, source.name);
    await reconcileActive(deps, found, open, report);
    const holders = source.concurrency !== undefined ? await deps.ledger.slotHolders(source.name) : undefined;
    await launchWaitingJobs(deps, found, open, holders, report);
    if (holders) await freeStaleSlots(deps, source, holders, report);
  }
  if (Object.values(report).some((n) => n > 0)) deps.logger.info('sweep', { ...report });
  return report;
}

async function openJobs(deps: HandlerDeps, source: string): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.ledger.openJobs(source, { limit: 100, ...(cursor ? { cursor } : {}) });
    jobs.push(...page.jobs);
    cursor = page.cursor;
  } while (cursor && jobs.length < MAX_OPEN_JOBS);
  return jobs;
}

/** Jobs with a task: catch up on missed events from DescribeTasks, and stop attempts past their timeout. */
async function reconcileActive(deps: HandlerDeps, found: SourcePolicy, open: Job[], report: SweepReport) {
  const active = open.filter((job) => job.taskArn !== undefined && !isTerminal(job.state));
  if (active.length === 0) return;
  const described = await deps.launcher.describeTasks(active.map((job) => job.taskArn as string));
  const byArn = new Map(described.tasks.map((task) => [task.taskArn, task]));
  const missing = new Set(described.missing);
  const now = deps.clock.now();

  for (const job of active) {
    const taskArn = job.taskArn as string;
    const task = byArn.get(taskArn);
    if (task && task.version > job.taskVersion) {
      report.reconciled += await catchUp(deps, found, job.jobId, task);
    } else if (!task && missing.has(taskArn)) {
      const { decision, result } = await applyEvent(deps, job.jobId, found, {
        type: 'task-missing',
        attempt: job.attempt,
        taskArn,
      });
      if (decision) await runEffects(deps, decision.effects);
      if (result.applied) report.reconciled += 1;
    } else if (task && task.desiredStatus !== 'STOPPED' && isOverdue(job, now)) {
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

/** Applies a DescribeTasks snapshot exactly as the task's event would have been applied. */
async function catchUp(
  deps: HandlerDeps,
  found: SourcePolicy,
  jobId: string,
  task: TaskSnapshot,
): Promise<number> {
  const { decision, result } = await applyEvent(deps, jobId, found, { type: 'task', task });
  if (decision && task.lastStatus === 'STOPPED') await runEffects(deps, decision.effects);
  return result.applied ? 1 : 0;
}

/** Waiting jobs: adopt tasks launched but never recorded, then launch the due ones, oldest first. */
async function launchWaitingJobs(
  deps: HandlerDeps,
  found: SourcePolicy,
  open: Job[],
  holders: Record<string, string> | undefined,
  report: SweepReport,
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
  for (const job of waiting) {
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

/** Gives back slots whose attempt ended or never got a task (a handler died between the two). */
async function freeStaleSlots(
  deps: HandlerDeps,
  source: JobSource,
  holders: Record<string, string>,
  report: SweepReport,
) {
  const now = deps.clock.now().getTime();
  for (const [holder, since] of Object.entries(holders)) {
    if (now - new Date(since).getTime() < STALE_SLOT_MS) continue;
    const [jobId, attempt] = holder.split('#');
    const job = jobId ? await deps.ledger.getJob(jobId) : undefined;
    const stale =
      !job ||
      isTerminal(job.state) ||
      String(job.attempt) !== attempt ||
      (job.state === 'SUBMITTED' && job.taskArn === undefined);
    if (stale) {
      await deps.ledger.releaseSlot(source.name, holder);
      report.slotsFreed += 1;
    }
  }
}
