export { type CapacityConfig, capacityPolicy } from './capacity';
export { configKeys } from './config-keys';
export { DEAD_LETTER_RETENTION_SECONDS, redriveAllowPolicy, redrivePolicy } from './dead-letter';
export { type JobSource, jobPolicy, jobSource, jobSources } from './job-sources';
export { localRunIssues } from './local-run-checks';
export { defineConfig, parseConfig, validateConfig } from './parse-config';
export { matchingPipelines } from './pipeline-match';
export {
  deadLetterQueueName,
  fitName,
  LOCAL_STAGE,
  LOG_STREAM_PREFIX,
  type ResourceNames,
  resourceId,
  resourceNames,
} from './resource-names';
export {
  type Config,
  type ConfigInput,
  DEFAULT_MAX_RECEIVE_COUNT,
  type ImageConfig,
  NAME_PATTERN,
  type RetryConfig,
  type RetryRule,
  type WorkerConfig,
} from './schema';
export {
  checkKmsKey,
  parameterArn,
  parseSecretReference,
  type SecretInput,
  type SecretReference,
  type SecretScope,
  secretKmsKey,
  secretReference,
  secretRegion,
  secretResourceArn,
  secretValueFrom,
} from './secrets';
export {
  definitionName,
  type SecretSourceKind,
  sourceDefinition,
  type TaskDefinitionOf,
  taskDefinitionsOf,
} from './task-definitions';
