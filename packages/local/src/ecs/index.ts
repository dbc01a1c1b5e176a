export { startLocalEcs } from './local-ecs';
export {
  ACTION_BUCKETS,
  type ApiBucket,
  type BucketQuota,
  ECS_API_QUOTAS,
  EcsThrottle,
  FARGATE_LAUNCH_QUOTAS,
  type ThrottleRequest,
  TokenBucket,
} from './throttle';
export {
  CAPACITY_UNAVAILABLE,
  type LocalEcs,
  type LocalEcsOptions,
  type LocalServiceDefinition,
  type LocalTaskDefinition,
  type LocalTaskView,
  STOP_CODES,
  type StopCode,
} from './types';
