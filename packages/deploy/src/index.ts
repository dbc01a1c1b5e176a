export {
  BUNDLE_BUDGET_BYTES,
  type BuiltFunction,
  buildFunctions,
  functionBundleOptions,
} from './build-functions';
export { arns } from './iam/arns';
export { schedulerPolicy, schedulerTrustPolicy } from './iam/function-policies';
export { deadLetterOperatorPolicy } from './iam/operator-policies';
export { type PolicyDocument, trustPolicy } from './iam/policy';
export { type ContainerSecret, readSecretsStatements } from './iam/secret-policies';
export { executionRolePolicy, imageRepository, taskRolePolicy } from './iam/task-policies';
export { ledgerTableArgs } from './ledger-table';
export {
  type DeadLetterSpec,
  type DeployPlan,
  deployPlan,
  roleName,
  SCHEDULER_RETRY,
  type WorkerSpec,
} from './plan';
export { containerDefinitions } from './task-definition';
export type { TaskVariantSpec } from './task-variants';
