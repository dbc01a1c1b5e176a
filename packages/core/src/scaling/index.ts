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
export {
  decideSpotBase,
  type SpotBaseDecision,
  type SpotBaseMemory,
  type SpotBaseObservation,
  type SpotBasePolicy,
} from './spot-base';
