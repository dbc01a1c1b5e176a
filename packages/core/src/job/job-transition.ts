import type { Architecture, CapacityProvider, RetryConfig } from '../config/schema';
import type { LaunchRefusalKind } from '../errors';
import {
  CAPACITY_REASON_TEXT,
  type CapacityChoice,
  type CapacityPolicy,
  capacityOfTask,
  fallsBackOnRefusal,
  MAX_UNCOUNTED_INTERRUPTIONS,
  ON_DEMAND,
  SPOT_INTERRUPTION,
} from './capacity';
import type { PriceTable } from './cost';
import { type Job, type JobState, OPEN_STATES, type TerminalState } from './job';
import { backoffSeconds, decideRetry, type FailureFacts, ruleMatches, stableRandom } from './retry';
import { attemptRecordOf, type TaskOutcome, taskOutcome } from './task-outcome';
import { attemptOf, type TaskSnapshot } from './task-snapshot';

/*
 * The job state machine. `transition(job, event, now, policy)` is pure and returns the next job and
 * the effects to run, as data. It is built from two halves so the ledger can apply an event with one
 * conditional write and no read:
 *   - `decide({ jobId, source, event, now, policy })` needs no job: it returns a JobPatch, i.e. a
 *     guard (which jobs accept the event) and absolute changes, computed from the event alone, and
 *     the effects to run once the patch is applied;
 *   - `applyPatch(job, patch)` checks the guard and applies the changes. The DynamoDB ledger compiles
 *     the same patch into a ConditionExpression and an UpdateExpression.
 * Because every change is absolute and guarded by the attempt and the task's `version`, any order of
 * a task's events, with any duplicates, ends in the job of the in-order stream.
 */

/** What a job's transitions need from the config. */
export interface JobPolicy {
  retry: RetryConfig;
  architecture: Architecture;
  prices: PriceTable;
  /** Task size, for costs when an event does not carry it. */
  cpu?: number;
  memory?: number;
  /** Essential container names; empty means all. */
  essentialContainers?: readonly string[];
  /** Where attempts run (on-demand when absent). */
  capacity?: CapacityPolicy;
}

/** Why a RunTask call did not start a task, classified so rules and backoff can act on it. */
export interface LaunchFailure {
  kind: LaunchRefusalKind;
  reason: string;
  /**
   * Throttling only: when the launcher's rate bucket has a token again, in milliseconds from the
   * refusal. The launch is retried then, not after a capacity-style backoff.
   */
  retryAfterMs?: number;
}

export type JobEvent =
  /** An ECS task snapshot: a Task State Change event, or DescribeTasks in the reconciler. */
  | { type: 'task'; task: TaskSnapshot }
  /** RunTask accepted the attempt (asked for `capacity`). */
  | { type: 'launched'; attempt: number; taskArn: string; lastStatus?: string; capacity?: CapacityChoice }
  /**
   * RunTask refused the attempt; `launchFailures` is the job's count before this one, `asked` the
   * capacity provider the refused launch asked for.
   */
  | {
      type: 'launch-failed';
      attempt: number;
      launchFailures: number;
      failure: LaunchFailure;
      asked?: CapacityProvider;
    }
  /**
   * ECS no longer knows the attempt's task (its events were lost and it aged out);
   * `uncountedAttempts` is the job's, read by whoever saw the task missing.
   */
  | { type: 'task-missing'; attempt: number; taskArn: string; uncountedAttempts?: number }
  /** Cancel a job that has no task yet. Jobs with a task are stopped instead (see `stopEffect`). */
  | { type: 'cancel'; attempt: number; reason: string }
  /**
   * An operator asked to cancel a job whose attempt has a task (in `state`): the mark makes every
   * failed end of the attempt refuse to retry (see `JobGuard.notCancelled`), whatever lands first.
   */
  | { type: 'cancel-requested'; attempt: number; state: 'STARTING' | 'RUNNING'; reason: string }
  /**
   * The attempt of a job marked for cancel ended (its STOPPED `task`, or its task is gone): the job
   * ends CANCELLED, whatever the task's own outcome would have been.
   */
  | { type: 'cancel-ended'; attempt: number; reason: string; task?: TaskSnapshot }
  /** A terminal job was retried as job `by` (the old job keeps its history and gains the link). */
  | { type: 'retried'; attempt: number; state: TerminalState; by: string };

/** Which jobs accept a patch. */
export interface JobGuard {
  readonly attempt: number;
  readonly states: readonly JobState[];
  /** The job's taskArn is absent or equal to this. */
  readonly taskArn?: string;
  /** The job has no taskArn. */
  readonly noTask?: boolean;
  /** The job's taskVersion is lower than this. */
  readonly versionBelow?: number;
  /** The job is not marked for cancel: set on every patch that would retry or fail an attempt. */
  readonly notCancelled?: boolean;
}

type PatchableField =
  | 'state'
  | 'attempt'
  | 'notBefore'
  | 'launchFailures'
  | 'taskArn'
  | 'taskStatus'
  | 'taskVersion'
  | 'reason'
  | 'finishedAt'
  | 'cancelRequested'
  | 'retriedBy'
  | 'spotFallback'
  | 'uncountedAttempts'
  | 'updatedAt';
export type RemovableField = 'notBefore' | 'taskArn' | 'taskStatus' | 'reason' | 'finishedAt';

/** A finished value: built whole by `decide`, never amended afterwards (hence readonly). */
export interface JobPatch {
  readonly guard: JobGuard;
  /** Never names a field of `remove`: DynamoDB refuses an update whose paths overlap. */
  readonly set: Readonly<Partial<Pick<Job, PatchableField>> & { updatedAt: string; state: JobState }>;
  readonly remove: readonly RemovableField[];
  /** Replaces the record of `guard.attempt`. */
  readonly attemptRecord?: Job['attempts'][string];
  /** Appended to the history. */
  readonly history: Readonly<Job['history'][number]>;
}

/**
 * What must run besides the ledger write (the patch itself is applied by whoever holds the job).
 * Stopping a task is no effect: a timeout or a cancel stops it before or without a write of its own
 * (the sweeper, the cancel use case), and the task's STOPPED event then ends the attempt.
 */
export type JobEffect =
  /**
   * The attempt is due at `notBefore` (the next attempt after a failure, or the same one after a
   * throttled launch); launch it then (now, if it is already due).
   */
  | { type: 'ScheduleRetry'; jobId: string; attempt: number; notBefore: string }
  /** An attempt ended or never started: give its concurrency slot back. */
  | { type: 'ReleaseSlot'; source: string; holder: string }
  /** A slot may be free: launch the source's oldest waiting job. */
  | { type: 'LaunchWaiting'; source: string }
  /** The job reached a terminal state (a schedule's run may let the next one start). */
  | { type: 'JobFinished'; jobId: string; source: string; state: TerminalState };

export interface Decision {
  readonly patch: JobPatch;
  /** Effects to run once the patch is applied. Each is idempotent, so running it again is safe. */
  readonly effects: readonly JobEffect[];
}

/** What `decide` needs: whose job (by id and source, never read), the event, the time and the policy. */
export interface DecideContext {
  jobId: string;
  source: string;
  event: JobEvent;
  now: Date;
  policy: JobPolicy;
}

export interface Transition {
  /** The job after the event; the job given, itself, when the event changes nothing. */
  next: Job;
  /** Only what must run: the change to the job is `next`. */
  effects: readonly JobEffect[];
}

/** The concurrency-slot holder of one attempt. */
export function slotHolder(jobId: string, attempt: number): string {
  return `${jobId}#${attempt}`;
}

/** The job and attempt of a slot holder written by `slotHolder`; undefined for anything else. */
export function parseSlotHolder(holder: string): { jobId: string; attempt: number } | undefined {
  const match = /^(.+)#([1-9]\d*)$/.exec(holder);
  return match?.[1] && match[2] ? { jobId: match[1], attempt: Number(match[2]) } : undefined;
}

/** Capacity refusals and throttling wait this long at first, doubling up to the cap. */
const LAUNCH_BACKOFF = { initialSeconds: 5, maxSeconds: 30, multiplier: 2 } as const;

/**
 * Refusals in a row after which a capacity or unknown refusal gives up (throttling never does, but
 * counts toward the row): a job must not wait unseen forever on a refusal that is not going away. On
 * AWS the sweeper relaunches a refused job about once a minute, so this is some two hours.
 */
export const MAX_LAUNCH_REFUSALS = 120;

/** The job after `event`, and what to do about it. Stale, duplicate and foreign events change nothing. */
export function transition(job: Job, event: JobEvent, now: Date, policy: JobPolicy): Transition {
  const decision = decide({ jobId: job.jobId, source: job.source, event, now, policy });
  if (!decision) return { next: job, effects: [] };
  const next = applyPatch(job, decision.patch);
  if (!next) return { next: job, effects: [] };
  return { next, effects: decision.effects };
}

/** The job with the patch applied, or undefined when its guard refuses the job. */
export function applyPatch(job: Job, patch: JobPatch): Job | undefined {
  if (!guardAccepts(patch.guard, job)) return undefined;
  const next: Job = {
    ...job,
    ...patch.set,
    attempts: patch.attemptRecord
      ? { ...job.attempts, [String(patch.guard.attempt)]: patch.attemptRecord }
      : job.attempts,
    history: [...job.history, patch.history],
  };
  for (const field of patch.remove) delete next[field];
  return next;
}

export function guardAccepts(guard: JobGuard, job: Job): boolean {
  if (job.attempt !== guard.attempt) return false;
  if (!guard.states.includes(job.state)) return false;
  if (guard.noTask && job.taskArn !== undefined) return false;
  if (guard.taskArn !== undefined && job.taskArn !== undefined && job.taskArn !== guard.taskArn) return false;
  if (guard.versionBelow !== undefined && !(job.taskVersion < guard.versionBelow)) return false;
  if (guard.notCancelled && job.cancelRequested !== undefined) return false;
  return true;
}

/**
 * True when `patch` was refused only because the job is marked for cancel: its attempt ended on its
 * own (a failure that would retry or fail the job), and the caller must apply `cancel-ended` instead.
 */
export function refusedForCancel(patch: JobPatch, current: Job): boolean {
  if (!patch.guard.notCancelled || current.cancelRequested === undefined) return false;
  return guardAccepts({ ...patch.guard, notCancelled: false }, current);
}

/**
 * The patch and effects of an event, without reading the job. Returns undefined for events that
 * concern no attempt of a Stevedore job (a task without STEVEDORE_ATTEMPT, say).
 */
export function decide(context: DecideContext): Decision | undefined {
  const { event } = context;
  const at = context.now.toISOString();
  switch (event.type) {
    case 'task':
      return decideTask(context, event.task);
    case 'launched':
      return {
        patch: {
          guard: { attempt: event.attempt, states: ['SUBMITTED'], taskArn: event.taskArn },
          set: {
            state: 'STARTING',
            taskArn: event.taskArn,
            taskStatus: event.lastStatus ?? 'PROVISIONING',
            launchFailures: 0,
            updatedAt: at,
          },
          remove: ['notBefore', 'reason'],
          history: {
            at,
            state: 'STARTING',
            attempt: event.attempt,
            reason: event.capacity
              ? `RunTask accepted on ${event.capacity.provider} (${CAPACITY_REASON_TEXT[event.capacity.reason]})`
              : 'RunTask accepted',
          },
        },
        effects: [],
      };
    case 'launch-failed':
      return decideLaunchFailure(context, event);
    case 'task-missing':
      return endAttempt(context, {
        outcome: {
          kind: 'failed',
          reason: 'task no longer known to ECS',
          facts: { stopCode: 'TaskMissing', reasons: [] },
        },
        guard: { attempt: event.attempt, states: OPEN_STATES, taskArn: event.taskArn },
        uncountedAttempts: event.uncountedAttempts ?? 0,
      });
    case 'cancel':
      // A waiting job holds no slot, unless its launch is under way: give back only what it holds.
      return finish(context, {
        state: 'CANCELLED',
        reason: event.reason,
        guard: { attempt: event.attempt, states: ['SUBMITTED'], noTask: true },
        effects: [
          { type: 'ReleaseSlot', source: context.source, holder: slotHolder(context.jobId, event.attempt) },
          { type: 'LaunchWaiting', source: context.source },
        ],
      });
    case 'cancel-requested':
      return {
        patch: {
          guard: { attempt: event.attempt, states: [event.state] },
          set: { state: event.state, cancelRequested: event.reason, updatedAt: at },
          remove: [],
          history: {
            at,
            state: event.state,
            attempt: event.attempt,
            reason: `cancel requested: ${event.reason}`,
          },
        },
        effects: [],
      };
    case 'cancel-ended': {
      const cancelled: TaskOutcome = { kind: 'cancelled', reason: event.reason };
      if (event.task) return decideTask(context, event.task, cancelled);
      return endAttempt(context, {
        outcome: cancelled,
        guard: { attempt: event.attempt, states: OPEN_STATES },
      });
    }
    case 'retried':
      return {
        patch: {
          guard: { attempt: event.attempt, states: [event.state] },
          set: { state: event.state, retriedBy: event.by, updatedAt: at },
          remove: [],
          history: { at, state: event.state, attempt: event.attempt, reason: `retried as ${event.by}` },
        },
        effects: [],
      };
  }
}

function decideTask(
  context: DecideContext,
  task: TaskSnapshot,
  override?: TaskOutcome,
): Decision | undefined {
  const { jobId, now, policy } = context;
  const attempt = attemptOf(task);
  if (attempt === undefined) return undefined;
  // A task of another job (whatever its attempt number) is none of this job's business.
  const owner = task.overrideEnv.STEVEDORE_JOB_ID ?? task.startedBy;
  if (owner !== undefined && owner !== jobId) return undefined;
  const at = now.toISOString();
  const guard: JobGuard = { attempt, states: OPEN_STATES, taskArn: task.taskArn, versionBelow: task.version };
  const attemptRecord = attemptRecordOf(task, attempt, policy);
  const taskFields = { taskArn: task.taskArn, taskStatus: task.lastStatus, taskVersion: task.version };
  const seen = { taskStatus: task.lastStatus, version: task.version };

  if (task.lastStatus !== 'STOPPED') {
    // A task counts as RUNNING once it has started, through DEACTIVATING, STOPPING, DEPROVISIONING.
    const state: JobState =
      task.startedAt !== undefined || task.lastStatus === 'RUNNING' ? 'RUNNING' : 'STARTING';
    return {
      patch: {
        guard,
        set: { state, ...taskFields, launchFailures: 0, updatedAt: at },
        remove: ['notBefore'],
        attemptRecord,
        history: { at, state, attempt, ...seen },
      },
      effects: [],
    };
  }
  // The attempt ends as any attempt does; the STOPPED snapshot adds the attempt's record, the task to
  // the history, and the task to the job unless the job goes back to SUBMITTED to retry without one.
  const outcome = override ?? taskOutcome(task, policy.essentialContainers);
  const { uncountedAttempts } = capacityOfTask(task.overrideEnv);
  const ended = endAttempt(context, { outcome, guard, uncountedAttempts });
  const { set, history } = ended.patch;
  return {
    patch: {
      ...ended.patch,
      set: set.state === 'SUBMITTED' ? set : { ...set, ...taskFields, finishedAt: task.stoppedAt ?? at },
      attemptRecord,
      history: { ...history, ...seen },
    },
    effects: ended.effects,
  };
}

/** How an attempt ended, and which jobs accept that it did (`guard.attempt` is the attempt). */
interface AttemptEnd {
  outcome: TaskOutcome;
  guard: JobGuard;
  /** Attempts before this one that do not count against the retry budget (0 when unknown). */
  uncountedAttempts?: number;
}

/** An attempt is over: the job ends, or goes back to SUBMITTED for the next attempt. */
function endAttempt(
  context: DecideContext,
  { outcome, guard: given, uncountedAttempts = 0 }: AttemptEnd,
): Decision {
  let guard = given;
  const { jobId, source, now, policy } = context;
  const { attempt } = guard;
  const at = now.toISOString();
  const settle: JobEffect[] = [
    { type: 'ReleaseSlot', source, holder: slotHolder(jobId, attempt) },
    { type: 'LaunchWaiting', source },
  ];
  if (outcome.kind === 'failed') {
    // A job marked for cancel neither retries nor fails: the caller ends it CANCELLED instead.
    guard = { ...guard, notCancelled: true };
    const retry =
      outcome.facts.stopCode === SPOT_INTERRUPTION
        ? retryInterrupted(context, outcome.facts, attempt, uncountedAttempts)
        : {
            ...decideRetry(policy.retry, outcome.facts, attempt - uncountedAttempts),
            delaySeconds: backoffSeconds(policy.retry.backoff, attempt, stableRandom(`${jobId}:${attempt}`)),
            changes: {},
          };
    if (retry.action === 'RETRY') {
      const notBefore = new Date(now.getTime() + Math.round(retry.delaySeconds * 1000)).toISOString();
      const reason = `attempt ${attempt} failed: ${outcome.reason}`;
      return {
        patch: {
          guard,
          set: {
            state: 'SUBMITTED',
            attempt: attempt + 1,
            notBefore,
            launchFailures: 0,
            taskVersion: 0,
            reason,
            ...retry.changes,
            updatedAt: at,
          },
          remove: ['taskArn', 'taskStatus', 'finishedAt'],
          history: {
            at,
            state: 'SUBMITTED',
            attempt: attempt + 1,
            reason: `${reason} (${retry.decidedBy}: RETRY)`,
          },
        },
        effects: [...settle, { type: 'ScheduleRetry', jobId, attempt: attempt + 1, notBefore }],
      };
    }
    const reason = `${outcome.reason} (${retry.decidedBy}: EXIT)`;
    return finish(context, { state: 'FAILED', reason, guard, effects: settle });
  }
  if (outcome.kind === 'succeeded') return finish(context, { state: 'SUCCEEDED', guard, effects: settle });
  const state = outcome.kind === 'timed-out' ? 'TIMED_OUT' : 'CANCELLED';
  return finish(context, { state, reason: outcome.reason, guard, effects: settle });
}

/** A retry decision with its delay and what it changes on the job. */
interface RetryPlan {
  action: 'RETRY' | 'EXIT';
  decidedBy: string;
  delaySeconds: number;
  changes: Partial<Pick<Job, 'spotFallback' | 'uncountedAttempts'>>;
}

/**
 * Fargate Spot took the attempt back: it is retried (unless a rule matching the interruption says
 * EXIT), on FARGATE at once when the policy falls back, and without using up an attempt of the
 * budget unless the policy says interruptions count.
 */
function retryInterrupted(
  context: DecideContext,
  facts: FailureFacts,
  attempt: number,
  uncountedBefore: number,
): RetryPlan {
  const { jobId, policy } = context;
  const capacity = policy.capacity ?? ON_DEMAND;
  const counts = capacity.interruptionsCount || uncountedBefore >= MAX_UNCOUNTED_INTERRUPTIONS;
  const uncounted = counts ? uncountedBefore : uncountedBefore + 1;
  const index = policy.retry.rules.findIndex((rule) => ruleMatches(rule, facts));
  const rule = policy.retry.rules[index];
  const decidedBy = rule ? `rules[${index}]` : 'spot interruption';
  if (rule?.action === 'EXIT') return { action: 'EXIT', decidedBy, delaySeconds: 0, changes: {} };
  if (attempt - uncounted >= policy.retry.attempts)
    return { action: 'EXIT', decidedBy: 'attempts', delaySeconds: 0, changes: {} };
  const fallback = capacity.fallback === 'on-demand';
  return {
    action: 'RETRY',
    decidedBy,
    // The task did nothing wrong: on FARGATE it may go again at once; on Spot, give Spot time.
    delaySeconds: fallback
      ? 0
      : backoffSeconds(policy.retry.backoff, attempt, stableRandom(`${jobId}:${attempt}`)),
    changes: {
      ...(uncounted > 0 ? { uncountedAttempts: uncounted } : {}),
      ...(fallback ? { spotFallback: { reason: 'spot-interrupted', attempt } } : {}),
    },
  };
}

/** How a job ends: its terminal state and why, which jobs accept it, and the effects before JobFinished. */
interface JobEnd {
  state: TerminalState;
  reason?: string;
  guard: JobGuard;
  effects: readonly JobEffect[];
}

function finish(context: DecideContext, { state, reason, guard, effects }: JobEnd): Decision {
  const { jobId, source } = context;
  const at = context.now.toISOString();
  return {
    patch: {
      guard,
      set: { state, finishedAt: at, updatedAt: at, ...(reason !== undefined ? { reason } : {}) },
      remove: reason === undefined ? ['notBefore', 'reason'] : ['notBefore'],
      history: { at, state, attempt: guard.attempt, ...(reason !== undefined ? { reason } : {}) },
    },
    effects: [...effects, { type: 'JobFinished', jobId, source, state }],
  };
}

function decideLaunchFailure(
  context: DecideContext,
  event: Extract<JobEvent, { type: 'launch-failed' }>,
): Decision {
  const { jobId, source, now, policy } = context;
  const at = now.toISOString();
  const { attempt, failure } = event;
  const guard: JobGuard = { attempt, states: ['SUBMITTED'], noTask: true };
  const release: JobEffect = { type: 'ReleaseSlot', source, holder: slotHolder(jobId, attempt) };
  const reason = `RunTask refused (${failure.kind}): ${failure.reason}`;
  if (
    failure.kind === 'capacity' &&
    event.asked !== undefined &&
    fallsBackOnRefusal(policy.capacity ?? ON_DEMAND, event.asked)
  ) {
    // Spot has no room: the same attempt goes to FARGATE now, with no backoff and no refusal counted.
    return {
      patch: {
        guard,
        set: {
          state: 'SUBMITTED',
          spotFallback: { reason: 'spot-refused', attempt },
          launchFailures: event.launchFailures,
          reason: `${reason} (on FARGATE_SPOT)`,
          updatedAt: at,
        },
        remove: ['notBefore'],
        history: {
          at,
          state: 'SUBMITTED',
          attempt,
          reason: `${reason} (on FARGATE_SPOT): relaunching on FARGATE`,
        },
      },
      effects: [release, { type: 'ScheduleRetry', jobId, attempt, notBefore: at }],
    };
  }
  const facts: FailureFacts = { stopCode: `RunTask:${failure.kind}`, reasons: [failure.reason] };
  // Invalid requests and conflicts will not get better by waiting. Capacity and unknown refusals
  // wait unless a rule (on stopCode or reason: a launch has no exit code) says EXIT; throttling is
  // our own pace, so it always waits.
  const rule = policy.retry.rules.find((r) => r.onExitCode === undefined && ruleMatches(r, facts));
  const failures = event.launchFailures + 1;
  const exhausted = failure.kind !== 'throttling' && failures >= MAX_LAUNCH_REFUSALS;
  const giveUp =
    failure.kind === 'invalid' ||
    failure.kind === 'conflict' ||
    (failure.kind !== 'throttling' && rule?.action === 'EXIT') ||
    exhausted;
  if (giveUp)
    return finish(context, {
      state: 'FAILED',
      reason: exhausted ? `${reason} (${failures} refusals in a row)` : reason,
      guard,
      // Waiting jobs are left to the sweeper, not launched from a refusal: with a refusal that
      // refuses them all, that would chain through every one.
      effects: [release],
    });

  const patch = (notBefore: string): JobPatch => ({
    guard,
    set: { state: 'SUBMITTED', notBefore, launchFailures: failures, reason, updatedAt: at },
    remove: [],
    history: { at, state: 'SUBMITTED', attempt, reason },
  });
  if (failure.kind === 'throttling' && failure.retryAfterMs !== undefined) {
    // Throttling says nothing about capacity: ECS's bucket refills in milliseconds, so the launch is
    // retried at the refill time the launcher gave. A backoff of seconds would leave the bucket full
    // and idle (the tail of a burst). `notBefore` keeps the job due for the sweeper, should the
    // process that waits for it die.
    const wait = Math.max(0, Math.ceil(failure.retryAfterMs));
    const notBefore = new Date(now.getTime() + wait).toISOString();
    return {
      patch: patch(notBefore),
      effects: [release, { type: 'ScheduleRetry', jobId, attempt, notBefore }],
    };
  }
  const delay = backoffSeconds(
    LAUNCH_BACKOFF,
    failures,
    stableRandom(`${jobId}:${attempt}:launch:${failures}`),
  );
  const notBefore = new Date(now.getTime() + Math.round(delay * 1000)).toISOString();
  return {
    patch: patch(notBefore),
    // No ScheduleRetry: the wait is seconds, and the next sweep launches the job once it is due.
    effects: [release],
  };
}

/** True when the job's current attempt has run past its timeout. */
export function isOverdue(job: Job, now: Date): boolean {
  if (job.state !== 'STARTING' && job.state !== 'RUNNING') return false;
  const record = job.attempts[String(job.attempt)];
  // Without a task event yet, the clock runs from the launch (the job's last update).
  const since = record?.startedAt ?? record?.createdAt ?? (job.taskArn ? job.updatedAt : undefined);
  if (!since) return false;
  return now.getTime() - new Date(since).getTime() > job.timeoutSeconds * 1000;
}
