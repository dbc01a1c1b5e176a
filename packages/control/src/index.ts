export { type App, compileApp, type SourcePolicy, type Worker } from './app';
export type { Handler, HandlerDeps, HandlerFactory } from './deps';
export {
  type Applied,
  applyEvent,
  type LaunchOutcome,
  launchJob,
  launchRequest,
  launchWaiting,
  runEffects,
} from './jobs/job-steps';
export { jobsForObject } from './jobs/object-jobs';
export { taskChanged } from './jobs/task-events';
export { parseOrReject } from './malformed';
export { type FireOptions, type FireOutcome, fireSchedule } from './schedules/fire-schedule';
export { MISSED_GRACE_MS, recordMissedRuns } from './schedules/missed-runs';
export { type SweepOptions, type SweepReport, sweep } from './sweep/sweep';
export { alarmChanged, scaleAll, scaleWorker } from './workers/scale-worker';
