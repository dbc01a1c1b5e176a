export { DEAD_LETTERS_FILE, DeadLetterFile, type DeadLetterRecord } from './bus/dead-letter-file';
export { DurableEvents } from './bus/durable-events';
export { EventBus } from './bus/event-bus';
export { EVENT_JOURNAL_FILE, EventJournal, type JournaledEvent } from './bus/event-journal';
export { matchesPattern, mayMatchPattern } from './bus/event-pattern';
export {
  type DevPorts,
  type DevRuntime,
  type EndpointsFile,
  SECRETS_FILE,
  startDevRuntime,
} from './dev-runtime';
export { type RunningDynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
export {
  CAPACITY_UNAVAILABLE,
  EcsThrottle,
  type LocalEcs,
  type LocalEcsOptions,
  type LocalServiceDefinition,
  type LocalTaskDefinition,
  type LocalTaskView,
  startLocalEcs,
  TokenBucket,
} from './ecs';
export { isAlive } from './ecs/container-process';
export {
  awaitPreviousWatchdog,
  previousWatchdog,
  RuntimeWatchdog,
  WATCHDOG_FILE,
  type WatchdogRecord,
} from './ecs/runtime-watchdog';
export { LocalConfigError, LocalRuntimeError, PortInUseError, StateDirWriteError } from './errors';
export { type Faults, parseFaults } from './faults';
export { JOB_EVENTS_POSITION_FILE, repairImages, startJobEventStream } from './job-events/job-event-stream';
export { JOB_EVENTS_FILE } from './job-events/local-job-events';
export { LOCAL_CREDENTIALS, LOCAL_NETWORK, LOCAL_NETWORK_CONFIGURATION } from './local-account';
export {
  type ScheduleClock,
  type SchedulerInput,
  scheduleClockNow,
  startLocalScheduler,
} from './local-scheduler';
export { type StartStep, StartSteps } from './start-steps';
export { LOCK_FILE, lockStateDir, StateDirInUseError } from './state-dir-lock';
export { type LocalS3Sqs, startLocalS3Sqs } from './storage';
export { type LocalQueue, workerQueues } from './worker-queues';
