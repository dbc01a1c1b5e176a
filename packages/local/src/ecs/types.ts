import type { ChildProcess } from 'node:child_process';
import type { TaskStatus } from '@stevedore/core/job';
import type { ProcessWatch } from './runtime-watchdog';

/*
 * The public shapes of the local ECS endpoint, and the records it keeps per task and per service.
 * A task record is the single source of truth: RunTask/DescribeTasks responses and the Task State
 * Change events are all rendered from it (task-events.ts), so they always agree on `version`.
 */

export interface LocalTaskDefinition {
  /** Task definition family, e.g. 'stevedore-local-summarize'; the only revision is 1. */
  family: string;
  /** The one (essential) container of the task. */
  containerName: string;
  image: string;
  /** Fargate CPU units and MiB, reported as strings like ECS does. */
  cpu: number;
  memory: number;
  architecture: 'x86_64' | 'arm64';
  /** The task definition's environment. */
  env: Record<string, string>;
  /**
   * The container's secrets: environment variable name -> reference. Resolved from the endpoint's
   * `secretsFile` right before the container starts, into its environment only.
   */
  secrets?: Record<string, string>;
  /** Seconds between SIGTERM and SIGKILL (ECS default 30, Fargate maximum 120). */
  stopTimeout: number;
  /** Seconds the image pull takes (PENDING, between pullStartedAt and pullStoppedAt); default 0. */
  pullSeconds?: number;
  /** argv of the local process standing in for the container; spawned without a shell. */
  command?: readonly string[];
  cwd?: string;
}

export interface LocalServiceDefinition {
  name: string;
  /** Family of one of the task definitions. */
  taskDefinition: string;
  desiredCount: number;
  /** One provider for every task (default FARGATE)... */
  capacityProvider?: 'FARGATE' | 'FARGATE_SPOT';
  /** ...or a strategy: the first `base` tasks on its provider, the rest by weight. */
  capacityProviderStrategy?: readonly StrategyItem[];
}

/** One item of a service's capacity provider strategy. */
export interface StrategyItem {
  capacityProvider: 'FARGATE' | 'FARGATE_SPOT';
  base: number;
  weight: number;
}

export interface LocalEcsOptions {
  region: string;
  accountId: string;
  /** Cluster name; its ARN is arn:aws:ecs:<region>:<account>:cluster/<name>. */
  cluster: string;
  taskDefinitions: readonly LocalTaskDefinition[];
  services?: readonly LocalServiceDefinition[];
  /** Each task's stdout and stderr are appended to <logDir>/<taskId>.log. */
  logDir: string;
  /** The environment every container gets (PATH, AWS endpoints...); process.env is not inherited. */
  baseEnv: Record<string, string>;
  /** JSON object of secret reference -> value, where definitions' `secrets` are resolved (see local-secrets.ts). */
  secretsFile?: string;
  /** Receives each "ECS Task State Change" event, as EventBridge would deliver it. */
  onTaskStateChange: (event: Record<string, unknown>) => void;
  /**
   * Asked before each event is built, with the fields a rule could route it by (the envelope and the
   * detail's scalar members; a member the event will not have is there as undefined): false when
   * nothing could receive it, so it is not built and onTaskStateChange does not get it. Unset: every
   * event is built.
   */
  wantsTaskStateChange?: (routing: Record<string, unknown>) => boolean;
  /** ECS's and Fargate's token buckets (default true). */
  throttling?: boolean;
  /** Probability (0..1) that a task launch fails for lack of Fargate capacity. */
  capacityFailureRate?: number;
  /** Probability (0..1) that a FARGATE_SPOT launch fails for lack of Spot capacity (besides the above). */
  spotCapacityFailureRate?: number;
  /** Probability (0..1) that a FARGATE_SPOT task is interrupted (stopCode SpotInterruption) once it runs. */
  spotInterruptionRate?: number;
  /**
   * Milliseconds from an interruption's warning (its event and SIGTERM) to SIGKILL at the latest,
   * sooner when the task's stopTimeout is shorter. Fargate gives two minutes (the default).
   */
  spotWarningMs?: number;
  random?: () => number;
  /** Pause between lifecycle steps (default 100 ms). */
  stepDelayMs?: number;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** How long stopped tasks stay describable (default 1 hour). */
  stoppedTaskRetentionMs?: number;
  /**
   * Where tasks and RunTask clientTokens are kept across restarts (ecs-tasks.jsonl in the state dir).
   * A start finds the tasks an earlier run left unfinished and reports them STOPPED.
   */
  stateFile?: string;
  /** Told of every container process, to kill them all if this process dies (see runtime-watchdog.ts). */
  watch?: ProcessWatch;
  /** The state file could not be written (a full disk); said once. */
  onStateWriteError?: (error: Error) => void;
}

/** A task as the CLI and tests see it. */
export interface LocalTaskView {
  taskArn: string;
  taskId: string;
  family: string;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  startedBy?: string;
  group: string;
  /** The process id while (or after) the container process ran. */
  pid?: number;
  protected: boolean;
  logFile: string;
  version: number;
}

export interface LocalEcs {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  clusterArn: string;
  /** Running and recently stopped tasks (for the CLI and tests). */
  tasks(): readonly LocalTaskView[];
  /** Simulates a crash: SIGKILL the task's process (exit 137, stopCode EssentialContainerExited). */
  kill(taskArn: string): void;
  /** Stops every task (SIGTERM, then SIGKILL after min(stopTimeout, 5 s)) and closes the server. */
  close(): Promise<void>;
}

export const STOP_CODES = {
  essentialContainerExited: 'EssentialContainerExited',
  userInitiated: 'UserInitiated',
  serviceSchedulerInitiated: 'ServiceSchedulerInitiated',
  taskFailedToStart: 'TaskFailedToStart',
  spotInterruption: 'SpotInterruption',
} as const;
export type StopCode = (typeof STOP_CODES)[keyof typeof STOP_CODES];

export type CapacityProviderName = 'FARGATE' | 'FARGATE_SPOT';

export interface Tag {
  key: string;
  value: string;
}

/** The `overrides` member of RunTask, kept exactly as sent. */
export type TaskOverrides = Record<string, unknown>;

/** Everything ECS knows about one task. Times are Dates; renderers turn them into wire formats. */
export interface TaskRecord {
  /** Creation order, for stable listing and pagination. */
  seq: number;
  taskId: string;
  taskArn: string;
  definition: LocalTaskDefinition;
  taskDefinitionArn: string;
  containerArn: string;
  attachmentId: string;
  eniId: string;
  macAddress: string;
  /** Set when launched with a capacity provider strategy (or none); absent with launchType FARGATE. */
  capacityProviderName?: CapacityProviderName;
  group: string;
  startedBy?: string;
  serviceName?: string;
  overrides: TaskOverrides;
  /** The container's environment overrides, in order, already validated. */
  overrideEnv: ReadonlyArray<readonly [string, string]>;
  tags: Tag[];
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  version: number;
  attachmentStatus: 'PRECREATED' | 'ATTACHED' | 'DETACHING' | 'DELETED';
  containerStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  createdAt: Date;
  updatedAt: Date;
  connectivityAt?: Date;
  pullStartedAt?: Date;
  pullStoppedAt?: Date;
  startedAt?: Date;
  stoppingAt?: Date;
  executionStoppedAt?: Date;
  stoppedAt?: Date;
  stopCode?: StopCode;
  stoppedReason?: string;
  exitCode?: number;
  containerReason?: string;
  runtimeId?: string;
  logFile: string;
  pid?: number;
  child?: ChildProcess;
  /** Scale-in protection: until this time (ms since epoch); absent when unprotected. */
  protectedUntil?: number;
  /**
   * The container's exit code, recorded (and saved) the moment the process exits, ahead of the
   * lifecycle steps that report it: a runtime that dies in between still knows how the work ended.
   */
  containerExitCode?: number;
  /** The id of the runtime that ran the container (RUNTIME_ID_VARIABLE in its environment). */
  localRuntimeId?: string;
}

/** The stoppedReason of a task Fargate Spot takes back, as ECS words it. */
export const SPOT_INTERRUPTED = 'Your Spot Task was interrupted.';

/** Fargate's notice before it takes a Spot task back. */
export const SPOT_WARNING_MS = 120_000;

/** The `reason` of a RunTask failure when Fargate has no capacity, as ECS words it. */
export const CAPACITY_UNAVAILABLE =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';
