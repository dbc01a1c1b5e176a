import type { CapacityProvider } from './config/schema';
import type { Job, JobState } from './job/job';
import type { JobStateChange } from './job/job-event';
import type { JobPatch } from './job/job-transition';
import type { TaskSnapshot } from './job/task-snapshot';
import type { Observation, ScalingKind, ScalingMemory } from './scaling/scaling-policy';
import type { SpotBaseDecision } from './scaling/spot-base';

/*
 * Ports: what the domain needs from the outside world. packages/aws implements them over the AWS
 * SDK; the local runtime points the same adapters at local endpoints.
 */

/** Time, injected so the domain never reads the system clock itself. */
export interface Clock {
  now(): Date;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface JobQuery {
  /** Only jobs of this pipeline or schedule. */
  source?: string;
  state?: JobState;
  /** Only jobs created in this range (both ends inclusive, open when absent). */
  since?: Date;
  until?: Date;
  /**
   * Only jobs whose object key (`S3_KEY`) starts with this, listed in key order as S3 lists keys.
   * Needs `source`: a key prefix means something within one pipeline's bucket, and the ledger keeps
   * keys per source (a listing with a prefix and no source is refused).
   */
  keyPrefix?: string;
  /** Page size (default 25). */
  limit?: number;
  /** From a previous page. */
  cursor?: string;
}

export interface JobPage {
  jobs: Job[];
  cursor?: string;
}

export interface OpenJobQuery {
  /** Only SUBMITTED jobs due by this time, oldest due first. */
  dueBy?: Date;
  /** Only jobs with a task, by job id: from `from` up to `through` (both inclusive, open when absent). */
  active?: { from?: string; through?: string };
  limit?: number;
  cursor?: string;
}

export type ApplyResult =
  | { applied: true; job: Job }
  /** The guard refused the patch (stale, duplicate, terminal or unknown job); `current` if it exists. */
  | { applied: false; current?: Job };

/** The durable record of jobs: one item per job, moved only by guarded patches. */
export interface JobStore {
  /** Records a new job; when one with the id exists, returns it unchanged with `created: false`. */
  createJob(job: Job): Promise<{ created: boolean; job: Job }>;
  /** Applies a patch with one conditional write. */
  applyPatch(jobId: string, patch: JobPatch): Promise<ApplyResult>;
  getJob(jobId: string): Promise<Job | undefined>;
  /** Jobs newest first (in key order with `keyPrefix`). */
  listJobs(query: JobQuery): Promise<JobPage>;
  /** Non-terminal jobs of a source (for the sweeper and the concurrency queue). */
  openJobs(source: string, query?: OpenJobQuery): Promise<JobPage>;
  /** Jobs of a source for one object (bucket, key and content, by etag), newest first: backfill's check. */
  jobsOfObject(
    source: string,
    object: ObjectRef,
    query?: { limit?: number; cursor?: string },
  ): Promise<JobPage>;
}

/** An object's identity as jobs record it: the same key with other content (another etag) is another object. */
export interface ObjectRef {
  bucket: string;
  key: string;
  /** Without quotes, as S3's events carry it. */
  etag: string;
}

/** An object as a listing (ListObjectsV2) returns it. */
export interface ListedObject {
  key: string;
  size: number;
  /** Without quotes, as S3's events carry it. */
  etag: string;
  lastModified?: string;
}

/** Lists a bucket's objects under a prefix, a page at a time, in the order S3 returns them. */
export interface ObjectLister {
  listObjects(
    bucket: string,
    prefix: string,
    cursor?: string,
  ): Promise<{ objects: ListedObject[]; cursor?: string }>;
}

/** Concurrency slots per source, and leases that keep periodic work (the sweep) from overlapping. */
export interface SlotStore {
  /** Takes one of `cap` slots for `holder`; true when held (again, if it already was). */
  acquireSlot(source: string, holder: string, cap: number): Promise<boolean>;
  /** Gives a slot back; releasing a slot that is not held does nothing. */
  releaseSlot(source: string, holder: string): Promise<void>;
  /** Current holders and when they took their slot. */
  slotHolders(source: string): Promise<Record<string, string>>;
  /** Takes the named lease until `until` unless someone else holds it unexpired; true when taken. */
  acquireLease(name: string, holder: string, until: Date): Promise<boolean>;
  /** Gives the lease back if `holder` still has it. */
  releaseLease(name: string, holder: string): Promise<void>;
}

export interface LaunchRequest {
  jobId: string;
  attempt: number;
  /** Task definition family (or family:revision, or ARN). */
  taskDefinition: string;
  containerName: string;
  /** Environment overrides for the container, passed as data (never through a shell). */
  env: Record<string, string>;
  capacityProvider: CapacityProvider;
  /**
   * The attempt relaunched on FARGATE after Fargate Spot refused it for capacity: a launch of its own,
   * so its own clientToken (the refused request may have bound the attempt's).
   */
  onDemandRelaunch?: boolean;
  tags?: Record<string, string>;
}

export interface LaunchedTask {
  taskArn: string;
  lastStatus?: string;
}

export interface DescribedTasks {
  tasks: TaskSnapshot[];
  /** ARNs ECS does not know (any more). */
  missing: string[];
}

/** Starts and inspects ECS tasks. */
export interface TaskLauncher {
  /** Starts one task; idempotent per (jobId, attempt). Throws a classified error on refusal. */
  runTask(request: LaunchRequest): Promise<LaunchedTask>;
  stopTask(taskArn: string, reason: string): Promise<void>;
  describeTasks(taskArns: readonly string[]): Promise<DescribedTasks>;
  /** ARNs of the tasks started for a job (running, and stopped ones ECS still remembers). */
  listTasks(startedBy: string): Promise<string[]>;
}

/** A queue's depth, as SQS reports it (GetQueueAttributes). */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** Reads queue depths. */
export interface QueueGauge {
  depth(queue: string): Promise<QueueDepth>;
}

export interface ServiceState {
  desired: number;
  running: number;
  pending: number;
  /** The base of the FARGATE provider in the service's capacity provider strategy (0 when none). */
  onDemandBase?: number;
  /** When the service last reported a task it could not place (its events), if it did. */
  lastPlacementFailureAt?: string;
}

/** Reads and sets an ECS service's count, and reads its tasks' scale-in protection. */
export interface ServiceScaler {
  describeService(service: string): Promise<ServiceState | undefined>;
  /** ARNs of the service's tasks that are not stopped (ListTasks). */
  serviceTasks(service: string): Promise<string[]>;
  /** How many of these tasks hold scale-in protection (GetTaskProtection). */
  protectedTasks(taskArns: readonly string[]): Promise<number>;
  setDesiredCount(service: string, desired: number): Promise<void>;
  /**
   * Sets the service's strategy to FARGATE (this base, weight 100 - spotPercent) and FARGATE_SPOT
   * (weight spotPercent): ECS places the first `base` tasks on demand.
   */
  setOnDemandBase(service: string, base: number, spotPercent: number): Promise<void>;
}

/** One scaling decision as recorded: what was seen, what was decided, and why. */
export interface DecisionRecord {
  worker: string;
  service: string;
  at: string;
  observation: Omit<Observation, 'at'>;
  previous: number;
  desired: number;
  change: boolean;
  /** Absent on decisions recorded before decisions had a kind (their reason still says it). */
  kind?: ScalingKind | SpotBaseDecision['kind'];
  /** Set when the decision moved the service's on-demand base (kinds spot-fallback, spot-restore). */
  onDemandBase?: { previous: number; next: number };
  reason: string;
}

export interface WorkerRecord {
  memory: ScalingMemory;
  /** Bumped by every decision: decisions are recorded only over the one they were made from. */
  version: number;
  lastDecision?: DecisionRecord;
  /** The service's tasks not yet stopped, kept current by task state change events. */
  tasks: Record<string, string>;
}

/** The ledger's part for workers: memory, decisions and the view of each service's tasks. */
export interface ScalingStore {
  workerRecord(worker: string, service: string): Promise<WorkerRecord>;
  /**
   * Records a decision and the new memory, unless another decision was recorded since `version`.
   * `history` (default true) also keeps the decision as an item of its own.
   */
  recordDecision(
    record: DecisionRecord,
    memory: ScalingMemory,
    version: number,
    history?: boolean,
  ): Promise<boolean>;
  /** Decisions, newest first. */
  decisions(
    service: string,
    query?: { limit?: number; cursor?: string },
  ): Promise<{ decisions: DecisionRecord[]; cursor?: string }>;
  /** A service task's latest status; STOPPED removes it from the view. */
  recordServiceTask(service: string, taskArn: string, lastStatus: string, version: number): Promise<void>;
}

/** A run of a schedule, as the schedule's ledger item remembers it. */
export interface ScheduleRun {
  jobId: string;
  scheduledTime: string;
  at: string;
}

export interface ScheduleState {
  /** The run the overlap policy (skip, replace) considers active. */
  activeJob?: string;
  lastRun?: ScheduleRun;
  lastSuccess?: ScheduleRun;
  /** Fire times up to this one have been checked for missed runs. */
  checkedUntil?: string;
  /** The expression those checks were made for: when the config changes it, checks start over. */
  checkedExpression?: string;
  /** A rate schedule's grid: the fire time its other fire times are counted from (learnt from a firing). */
  anchor?: string;
}

export type StartRunResult =
  | { started: true }
  | { started: false; duplicate: true }
  | { started: false; duplicate?: undefined; activeJob?: string };

/** The ledger's part for schedules: one item per schedule. */
export interface ScheduleStore {
  scheduleState(schedule: string): Promise<ScheduleState>;
  /**
   * Makes `run` the schedule's active run and creates its job, together (one transaction), if no
   * other run is active, or, with `replacing`, if that one is. Otherwise says which run is active,
   * or that the job exists already (the same firing, delivered again).
   */
  startRun(schedule: string, run: ScheduleRun, job: Job, replacing?: string): Promise<StartRunResult>;
  /** Makes `run` the last run unless a later one is recorded: runs without a claim (overlap allow), missed runs. */
  recordRun(schedule: string, run: ScheduleRun): Promise<void>;
  /** A run ended: it stops being active, and counts as the last success if it succeeded. */
  finishRun(schedule: string, jobId: string, state: string, at: string): Promise<void>;
  /** Fire times up to `until` have been checked for missed runs (never moves back). */
  markChecked(schedule: string, until: string): Promise<void>;
  /** Missed-run checks (re)start at `from`, for `expression`, on a rate grid through `anchor` if given. */
  restartChecks(
    schedule: string,
    checks: { from: string; expression: string; anchor?: string },
  ): Promise<void>;
}

/** Where job events go (EventBridge on AWS, the local bus and events.jsonl under `stevedore dev`). */
export interface JobEventPublisher {
  /**
   * Publishes the events, in order, at least once: it resolves only when every one was accepted,
   * and throws otherwise (what was accepted may be published again by the retry).
   */
  publish(events: readonly JobStateChange[]): Promise<void>;
}

/** An event that exhausted its deliveries to a handler, as a dead-letter store keeps it. */
export interface DeadLetteredEvent {
  /** Stable while it stays dead-lettered (the SQS message id; locally a digest of the record). */
  id: string;
  /** The handler it was for (`object-created`, `task-state-change`, ...), when the store can tell. */
  handler: string | undefined;
  /** What delivered it: the rule target or schedule as recorded, or the handler's function. */
  target: string;
  /** Why the last delivery failed. */
  error: string;
  /** Deliveries made before it was dead-lettered, redrives included, when the store knows. */
  attempts: number | undefined;
  /** When it was dead-lettered (ISO 8601). */
  at: string;
  event: unknown;
}

/** Where undelivered events wait: the local bus's dead-letter file, a stage's dead-letter queue. */
export interface DeadLetterStore {
  /** Oldest first. `forRedrive` holds them (on SQS, invisible) until `settle`. */
  list(options?: { limit?: number; forRedrive?: boolean }): Promise<DeadLetteredEvent[]>;
  /** Removes what was delivered; keeps what failed again, with its new error. */
  settle(outcome: {
    delivered: readonly string[];
    failed: readonly { id: string; error: string }[];
  }): Promise<void>;
}

/** Delivers an event to a handler once, as its trigger would; throws what the handler threw. */
export interface HandlerInvoker {
  invoke(handler: string, event: unknown): Promise<void>;
}
