export {
  HandlerError,
  MalformedMessageError,
  QueueError,
  TaskProtectionError,
  WorkerConfigError,
  WorkerError,
} from './errors';
export { runWorker } from './run-worker';
export {
  MAX_PROTECTION_MINUTES,
  MIN_PROTECTION_MINUTES,
  type ProtectionState,
  TaskProtection,
  type TaskProtectionOptions,
} from './task-protection';
export { DEFAULT_PROTECTION_MINUTES, MAX_VISIBILITY_SECONDS } from './worker-options';
export type {
  HandlerContext,
  MessageHandler,
  WorkerEvent,
  WorkerLogger,
  WorkerMessage,
  WorkerOptions,
  WorkerSummary,
} from './worker-types';
