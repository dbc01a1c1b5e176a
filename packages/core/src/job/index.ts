export {
  CAPACITY_ENV,
  CAPACITY_REASON_TEXT,
  CAPACITY_REASONS,
  type CapacityChoice,
  type CapacityPolicy,
  type CapacityReason,
  capacityEnv,
  capacityOfTask,
  chooseCapacity,
  fallsBackOnRefusal,
  MAX_UNCOUNTED_INTERRUPTIONS,
  ON_DEMAND,
  SPOT_INTERRUPTION,
  type SpotFallback,
} from './capacity';
export { attemptCost, DEFAULT_PRICES, priceTable, type UsageFacts } from './cost';
export {
  MAX_KEY_BYTES,
  MAX_SEQUENCER_LENGTH,
  objectKeyProblem,
  TIME_RANGE,
  timeProblem,
  utf8Bytes,
} from './input-limits';
export {
  type AttemptRecord,
  type HistoryEntry,
  isJobState,
  isTerminal,
  JOB_STATES,
  type Job,
  type JobState,
  jobCost,
  newJob,
  OPEN_STATES,
  TERMINAL_STATES,
  type TerminalState,
} from './job';
export {
  JOB_EVENT_DETAIL_TYPE,
  JOB_EVENT_SOURCE,
  type JobChange,
  type JobEventEnvelope,
  type JobStateChange,
  jobEventEnvelope,
  jobEventOf,
  jobEventPattern,
} from './job-event';
export { jobHistory } from './job-history';
export { isJobId, manualJobId, s3JobId, scheduledJobId, sourceOfJobId } from './job-id';
export {
  applyPatch,
  type Decision,
  decide,
  isOverdue,
  type JobEffect,
  type JobEvent,
  type JobPatch,
  type JobPolicy,
  type LaunchFailure,
  MAX_LAUNCH_REFUSALS,
  parseSlotHolder,
  refusedForCancel,
  slotHolder,
  transition,
} from './job-transition';
export {
  type AttemptPhases,
  attemptPhases,
  PHASES,
  type Phase,
  type PhaseSpan,
  phaseSpans,
  quantile,
} from './phases';
export {
  backoffSeconds,
  decideRetry,
  type FailureFacts,
  globMatches,
  ruleMatches,
  stableRandom,
} from './retry';
export {
  type CreatedObjectFacts,
  endedBeforeStart,
  objectInput,
  objectJob,
  scheduleRunJob,
} from './source-jobs';
export { type PhaseSummary, type SourceStats, sourceStats } from './source-stats';
export { STOP_REASONS } from './task-outcome';
export {
  attemptOf,
  ROUTED_TASK_STATUSES,
  TASK_STATUSES,
  type TaskOwner,
  type TaskSnapshot,
  type TaskStatus,
  taskIdOf,
  taskOwner,
} from './task-snapshot';
