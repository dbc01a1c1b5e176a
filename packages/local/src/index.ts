export { type AlarmEvaluatorOptions, type DepthAlarm, startAlarmEvaluator } from './alarm-evaluator';
export {
  type BusStats,
  type BusTarget,
  type DeliveryFaults,
  EventBus,
  type EventBusOptions,
} from './bus/event-bus';
export { matchesPattern } from './bus/event-pattern';
export {
  type DevRuntime,
  type DevRuntimeOptions,
  type EndpointsFile,
  startDevRuntime,
} from './dev-runtime';
export {
  checkJava,
  type DynamoDbLocalOptions,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
} from './dynamodb-local';
export {
  ACTION_BUCKETS,
  type ApiBucket,
  type BucketQuota,
  CAPACITY_UNAVAILABLE,
  ECS_API_QUOTAS,
  EcsThrottle,
  FARGATE_LAUNCH_QUOTAS,
  type LocalEcs,
  type LocalEcsOptions,
  type LocalServiceDefinition,
  type LocalTaskDefinition,
  type LocalTaskView,
  STOP_CODES,
  type StopCode,
  startLocalEcs,
  type ThrottleRequest,
  TokenBucket,
} from './ecs';
export { isAlive } from './ecs/container-process';
export { EcsApiError, JavaMissingError, LocalConfigError, LocalRuntimeError, PortInUseError } from './errors';
export { type Faults, NO_FAULTS, parseFaults } from './faults';
export { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from './local-account';
export {
  type LocalSchedule,
  type LocalScheduler,
  type LocalSchedulerOptions,
  type ScheduleClock,
  type SchedulerInput,
  scheduleClockNow,
  startLocalScheduler,
} from './local-scheduler';
export { freePort, waitForHttp } from './net';
export { type Cleanup, type OnStop, type StartStep, StartSteps } from './start-steps';
export {
  type CreatedObject,
  type LocalS3Sqs,
  type LocalS3SqsOptions,
  OBJECT_CREATED_REASONS,
  type ObjectCreatedReason,
  objectCreatedEvent,
  type QueueDepth,
  type S3ObjectCreatedEvent,
  SequencerClock,
  startLocalS3Sqs,
} from './storage';
export { type LocalQueue, workerQueues } from './worker-queues';
