import type { CapacityReason, SpotFallback } from './capacity';

/**
 * The job: one logical piece of work. An attempt is one ECS task. A job moves
 * SUBMITTED -> STARTING -> RUNNING -> (SUCCEEDED | FAILED | TIMED_OUT | CANCELLED), and between
 * attempts back to SUBMITTED with attempt + 1 and a `notBefore` time. Terminal states never change.
 */
export const JOB_STATES = [
  'SUBMITTED',
  'STARTING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'CANCELLED',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const OPEN_STATES = ['SUBMITTED', 'STARTING', 'RUNNING'] as const satisfies readonly JobState[];
export const TERMINAL_STATES = [
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'CANCELLED',
] as const satisfies readonly JobState[];
export type OpenState = (typeof OPEN_STATES)[number];
export type TerminalState = (typeof TERMINAL_STATES)[number];

export function isTerminal(state: JobState): state is TerminalState {
  return (TERMINAL_STATES as readonly JobState[]).includes(state);
}

export function isJobState(value: string): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value);
}

/** What started a job: an S3 pipeline, a schedule, or a person. */
export const JOB_KINDS = ['pipeline', 'schedule', 'manual'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface ContainerOutcome {
  name: string;
  exitCode?: number;
  reason?: string;
}

/** Cost of one attempt as Fargate bills it. */
export interface AttemptCost {
  /** Seconds billed: from image pull to stop, rounded up, one minute minimum (0 if it never pulled). */
  billedSeconds: number;
  vcpuSeconds: number;
  gbSeconds: number;
  usd: number;
}

/** One attempt, i.e. one ECS task, as its latest applied event describes it. */
export interface AttemptRecord {
  attempt: number;
  taskArn: string;
  lastStatus: string;
  version: number;
  cpu?: number;
  memory?: number;
  /** The capacity provider that ran it (the event's capacityProviderName). */
  capacityProvider?: string;
  /** The capacity provider the launch asked for, and why (see `chooseCapacity`). */
  capacityAsked?: string;
  capacityReason?: CapacityReason;
  platformVersion?: string;
  createdAt?: string;
  pullStartedAt?: string;
  pullStoppedAt?: string;
  startedAt?: string;
  stoppingAt?: string;
  stoppedAt?: string;
  stopCode?: string;
  stoppedReason?: string;
  containers: ContainerOutcome[];
  cost?: AttemptCost;
}

export interface HistoryEntry {
  at: string;
  state: JobState;
  attempt: number;
  /** ECS lastStatus when the entry comes from a task event. */
  taskStatus?: string;
  /** ECS detail.version of that event. */
  version?: number;
  reason?: string;
}

export interface Job {
  jobId: string;
  kind: JobKind;
  /** The pipeline or schedule name (job ids start with it). */
  source: string;
  /** The task (from the config) each attempt runs. */
  task: string;
  state: JobState;
  /** Current attempt, from 1. */
  attempt: number;
  maxAttempts: number;
  /** Seconds one attempt may run before it is stopped as TIMED_OUT. */
  timeoutSeconds: number;
  /** Environment the task receives, besides STEVEDORE_JOB_ID and STEVEDORE_ATTEMPT. */
  input: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** While SUBMITTED: not launched before this time (retry backoff, capacity waits). */
  notBefore?: string;
  /** Launches of the current attempt refused for capacity or throttling. */
  launchFailures: number;
  /** The current attempt's task, once known. */
  taskArn?: string;
  /** ECS lastStatus of the current attempt's task. */
  taskStatus?: string;
  /** detail.version of the last task event applied for the current attempt (0: none yet). */
  taskVersion: number;
  /** Why the job is where it is: the last failure, or the final reason. */
  reason?: string;
  finishedAt?: string;
  /** An operator asked to cancel the job (the reason): its current attempt is its last. */
  cancelRequested?: string;
  /** The job this one retries (a new job with the same input). */
  retryOf?: string;
  /** The job that retries this one. */
  retriedBy?: string;
  /** The job left Spot (a refusal or an interruption): its later attempts run on FARGATE. */
  spotFallback?: SpotFallback;
  /** Attempts so far that do not count against the retry budget (Spot interruptions). */
  uncountedAttempts?: number;
  attempts: Record<string, AttemptRecord>;
  history: HistoryEntry[];
}

/** Total cost of all the job's attempts. */
export function jobCost(job: Pick<Job, 'attempts'>): AttemptCost {
  const total: AttemptCost = { billedSeconds: 0, vcpuSeconds: 0, gbSeconds: 0, usd: 0 };
  for (const record of Object.values(job.attempts)) {
    if (!record.cost) continue;
    total.billedSeconds += record.cost.billedSeconds;
    total.vcpuSeconds += record.cost.vcpuSeconds;
    total.gbSeconds += record.cost.gbSeconds;
    total.usd += record.cost.usd;
  }
  return total;
}

export interface NewJob {
  jobId: string;
  kind: JobKind;
  source: string;
  task: string;
  maxAttempts: number;
  timeoutSeconds: number;
  input: Record<string, string>;
  /** Earliest launch, when not now. */
  notBefore?: Date;
}

/** A job as it is first recorded: SUBMITTED, attempt 1. */
export function newJob(spec: NewJob, now: Date): Job {
  const at = now.toISOString();
  return {
    jobId: spec.jobId,
    kind: spec.kind,
    source: spec.source,
    task: spec.task,
    state: 'SUBMITTED',
    attempt: 1,
    maxAttempts: spec.maxAttempts,
    timeoutSeconds: spec.timeoutSeconds,
    input: spec.input,
    createdAt: at,
    updatedAt: at,
    ...(spec.notBefore ? { notBefore: spec.notBefore.toISOString() } : {}),
    launchFailures: 0,
    taskVersion: 0,
    attempts: {},
    history: [{ at, state: 'SUBMITTED', attempt: 1 }],
  };
}
