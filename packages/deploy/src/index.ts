export {
  BUNDLE_BUDGET_BYTES,
  type BuildOptions,
  type BuiltFunction,
  buildFunctions,
} from './build-functions';
export { type Arns, type AwsScope, arns, ecrRepositoryArn } from './iam/arns';
export {
  type FunctionPolicyContext,
  functionPolicy,
  schedulerPolicy,
  schedulerTrustPolicy,
} from './iam/function-policies';
export { type PolicyDocument, type PolicyStatement, trustPolicy } from './iam/policy';
export { executionRolePolicy, imageRepository, taskRolePolicy } from './iam/task-policies';
export { ledgerTableArgs } from './ledger-table';
export {
  type DeployPlan,
  deployPlan,
  type FunctionSpec,
  type RuleSpec,
  rateExpression,
  roleName,
  SCHEDULER_RETRY,
  type ScheduleSpec,
  type TaskSpec,
  TICK,
  type WorkerSpec,
} from './plan';
export { containerDefinitions } from './task-definition';
