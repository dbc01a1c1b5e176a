export { type App, compileApp, type SourcePolicy, type Worker } from './app';
export type { Handler, HandlerContext, HandlerDeps, HandlerFactory } from './deps';
export { type JobWrite, publishJobEvents } from './events/job-events';
export { applyEvent, launchJob, launchRequest, MAX_RETRY_WAIT_MS } from './jobs/job-steps';
export { jobsForObject } from './jobs/object-jobs';
export { taskChanged } from './jobs/task-events';
export { parseOrReject } from './malformed';
export {
  BACKFILL_BATCH,
  type BackfillOptions,
  type BackfillProgress,
  type BackfillSummary,
  backfill,
  backfillSequencer,
  countMatchingObjects,
} from './operations/backfill';
export {
  type BulkCancelResult,
  type CancelOptions,
  type CancelOutcome,
  type CancelResult,
  cancelJob,
  cancelOpenJobs,
} from './operations/cancel';
export { OperationError, type OperationErrorKind } from './operations/operation-errors';
export {
  handlerForEvent,
  listDeadLetters,
  type RedriveOptions,
  type RedriveReport,
  type RedriveResult,
  redrive,
  UnknownDeadLetterError,
} from './operations/redrive';
export {
  type BulkRetryResult,
  type RetryOptions,
  type RetryResult,
  retryFailedJobs,
  retryJob,
} from './operations/retry';
export {
  type ObjectHead,
  type ObjectHeads,
  type SubmitObjectRequest,
  type SubmitResult,
  type SubmitTaskRequest,
  submitObject,
  submitTask,
} from './operations/submit';
export { type FireOutcome, fireSchedule } from './schedules/fire-schedule';
export { MISSED_GRACE_MS, recordMissedRuns } from './schedules/missed-runs';
export { upcomingRuns } from './schedules/upcoming-runs';
export { type HeldLease, holdLease, type LeaseTiming } from './sweep/lease';
export { SWEEP_LEASE, type SweepOptions, type SweepReport, sweep } from './sweep/sweep';
export { alarmChanged, scaleAll, scaleWorker, type WatchOptions, watchWorkers } from './workers/scale-worker';
