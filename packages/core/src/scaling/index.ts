export {
  decideScale,
  FRESH_MEMORY,
  type Observation,
  SCALING_KINDS,
  type ScalingKind,
  type ScalingMemory,
  type WorkerPolicy,
  workerPolicy,
} from './scaling-policy';
