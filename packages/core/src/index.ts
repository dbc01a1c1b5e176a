export {
  describeFargateMemory,
  FARGATE_CPU_VALUES,
  fargateMemoryFor,
  isValidFargateSize,
} from './config/fargate';
export { type JobSource, jobPolicy, jobSource, jobSources } from './config/job-sources';
export { defineConfig, parseConfig, validateConfig } from './config/parse-config';
export { type CreatedObject, matchingPipelines, pipelineMatches } from './config/pipeline-match';
export {
  LOCAL_STAGE,
  LOG_STREAM_PREFIX,
  type ResourceNames,
  resourceId,
  resourceNames,
} from './config/resource-names';
export {
  ARCHITECTURES,
  type Architecture,
  CAPACITY_PROVIDERS,
  type CapacityProvider,
  type Config,
  type ConfigInput,
  type ImageConfig,
  LOG_RETENTION_DAYS,
  NAME_PATTERN,
  type NetworkConfig,
  OVERLAP_POLICIES,
  type OverlapPolicy,
  type PipelineConfig,
  type RetryConfig,
  type RetryRule,
  type ScheduleConfig,
  type TaskConfig,
  type WorkerConfig,
} from './config/schema';
export {
  ConfigError,
  type ConfigIssue,
  type LaunchRefusalKind,
  LaunchRefusedError,
  MalformedEventError,
  StevedoreError,
} from './errors';
export {
  ALARM_STATES,
  type AlarmStateChangeEvent,
  AlarmStateChangeSchema,
  parseAlarmStateChange,
} from './events/alarm-state-change';
export {
  parseTaskStateChange,
  snapshotOfDetail,
  type TaskStateChangeDetail,
  type TaskStateChangeEvent,
  TaskStateChangeSchema,
} from './events/ecs-task-state-change';
export {
  alarmStateChangePattern,
  type EventPattern,
  type ObjectFilter,
  objectCreatedPattern,
  type PatternValue,
  scheduledEventPattern,
  taskStateChangePattern,
} from './events/patterns';
export {
  type EventRoute,
  eventRoutes,
  HANDLER_NAMES,
  type HandlerName,
  handlersOf,
  type PeriodicRoute,
  periodicRoutes,
  type RouteContext,
} from './events/routes';
export { type ObjectCreatedEvent, ObjectCreatedSchema, parseObjectCreated } from './events/s3-object-created';
export {
  parseScheduledEvent,
  parseScheduleFired,
  type ScheduledEvent,
  ScheduledEventSchema,
  type ScheduleFired,
  ScheduleFiredSchema,
  scheduleTargetInput,
} from './events/scheduled';
export {
  attemptCost,
  DEFAULT_PRICES,
  type PriceTable,
  priceTable,
  type UnitPrice,
  type UsageFacts,
} from './job/cost';
export {
  type AttemptCost,
  type AttemptRecord,
  type ContainerOutcome,
  type HistoryEntry,
  isJobState,
  isTerminal,
  JOB_KINDS,
  JOB_STATES,
  type Job,
  type JobKind,
  type JobState,
  jobCost,
  type NewJob,
  newJob,
  OPEN_STATES,
  type OpenState,
  TERMINAL_STATES,
  type TerminalState,
} from './job/job';
export { isJobId, manualJobId, s3JobId, scheduledJobId, sourceOfJobId } from './job/job-id';
export {
  applyPatch,
  type DecideContext,
  type Decision,
  decide,
  guardAccepts,
  isOverdue,
  type JobEffect,
  type JobEvent,
  type JobGuard,
  type JobPatch,
  type JobPolicy,
  type LaunchFailure,
  MAX_LAUNCH_REFUSALS,
  parseSlotHolder,
  type RemovableField,
  slotHolder,
  type Transition,
  transition,
} from './job/job-transition';
export {
  backoffSeconds,
  decideRetry,
  type FailureFacts,
  globMatches,
  type RetryDecision,
  ruleMatches,
  stableRandom,
} from './job/retry';
export {
  type CreatedObjectFacts,
  endedBeforeStart,
  objectInput,
  objectJob,
  scheduleRunInput,
  scheduleRunJob,
} from './job/source-jobs';
export {
  attemptRecordOf,
  STOP_REASONS,
  type StopWhy,
  type TaskOutcome,
  taskOutcome,
} from './job/task-outcome';
export {
  attemptOf,
  TASK_STATUSES,
  type TaskOwner,
  type TaskSnapshot,
  type TaskStatus,
  taskIdOf,
  taskOwner,
} from './job/task-snapshot';
export type {
  ApplyResult,
  Clock,
  DecisionRecord,
  DescribedTasks,
  JobPage,
  JobQuery,
  JobStore,
  LaunchedTask,
  LaunchRequest,
  Logger,
  OpenJobQuery,
  QueueDepth,
  QueueGauge,
  ScalingStore,
  ScheduleRun,
  ScheduleState,
  ScheduleStore,
  ServiceScaler,
  ServiceState,
  SlotStore,
  StartRunResult,
  TaskLauncher,
  WorkerRecord,
} from './ports';
export {
  decideScale,
  FRESH_MEMORY,
  type Observation,
  SCALE_IN_UTILIZATION,
  SCALING_KINDS,
  type ScalingDecision,
  type ScalingKind,
  type ScalingMemory,
  type WorkerPolicy,
  workerPolicy,
} from './scaling/scaling-policy';
export { ScheduleExpressionError } from './schedule/errors';
export {
  DEFAULT_FIRE_TIMES_LIMIT,
  type FireTimesBetweenOptions,
  fireTimesBetween,
  type NextFireTimesOptions,
  nextFireTimes,
  onRateGrid,
} from './schedule/fire-times';
export {
  type AtExpression,
  type CronExpression,
  formatScheduleExpression,
  parseScheduleExpression,
  RATE_UNITS,
  type RateExpression,
  type RateUnit,
  type ScheduleExpression,
} from './schedule/schedule-expression';
export { checkTimezone, formatInZone } from './schedule/zoned-time';
