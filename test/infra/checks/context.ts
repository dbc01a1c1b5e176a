import type { DeployPlan } from '@stevedore/deploy';
import type { DeclaredResource, ProgramRun } from '../support/declared';

/*
 * What every check reads: one execution's declared resources, the deploy plan they were declared
 * from (computed here again from the config, stage and mock account), what the config grants its
 * tasks, and the prebuilt bundles.
 * A check returns the problems it finds, each naming the resource and the key: none means it holds.
 */

/** A bundle directory's files and each JavaScript file's exports. */
export interface BundleContents {
  files: string[];
  exports: Record<string, string[]>;
}

export interface CheckContext {
  run: ProgramRun;
  plan: DeployPlan;
  /** The resources the config's own task permissions name: the config's to choose, wildcards and all. */
  configured: string[];
  bundles: Record<string, BundleContents>;
}

export type Check = (context: CheckContext) => string[];

/** Pulumi type tokens of the resources the checks read. */
export const TYPES = {
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  rolePolicyAttachment: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  lambda: 'aws:lambda/function:Function',
  permission: 'aws:lambda/permission:Permission',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  schedule: 'aws:scheduler/schedule:Schedule',
  queue: 'aws:sqs/queue:Queue',
  queuePolicy: 'aws:sqs/queuePolicy:QueuePolicy',
  invokeConfig: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
  table: 'aws:dynamodb/table:Table',
  bucket: 'aws:s3/bucket:Bucket',
  bucketV2: 'aws:s3/bucketV2:BucketV2',
  service: 'aws:ecs/service:Service',
  clusterCapacity: 'aws:ecs/clusterCapacityProviders:ClusterCapacityProviders',
  taskDefinition: 'aws:ecs/taskDefinition:TaskDefinition',
} as const;

export function ofType(run: ProgramRun, type: string): DeclaredResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** A string input, as the program declared it ('' when absent). */
export function field(resource: DeclaredResource | undefined, key: string): string {
  const value = resource?.inputs[key];
  return typeof value === 'string' ? value : '';
}

/** A string output, as the mocks answered (an ARN, a URL, a generated name; '' when absent). */
export function output(resource: DeclaredResource | undefined, key: string): string {
  const value = resource?.state[key];
  return typeof value === 'string' ? value : '';
}

/** The declared resources of a type whose `name` input is `name`. */
export function named(run: ProgramRun, type: string, name: string): DeclaredResource[] {
  return ofType(run, type).filter((r) => field(r, 'name') === name);
}

/** A resource's ARN, as the mocks answered it. */
export const arnOf = (resource: DeclaredResource | undefined): string => output(resource, 'arn');

/** The ARN of the Lambda function the plan names for a handler ('' when not declared). */
export function functionArn(context: CheckContext, handler: string): string {
  const spec = context.plan.functions.find((f) => f.handler === handler);
  return spec ? arnOf(named(context.run, TYPES.lambda, spec.name)[0]) : '';
}

/** The dead-letter queue's ARN ('' when not declared). */
export function deadLetterArn(context: CheckContext): string {
  return arnOf(named(context.run, TYPES.queue, context.plan.deadLetterQueue)[0]);
}

/** Every string in a value, with its path: `environment.variables.STAGE`. */
export function strings(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** `lambda.Function SweeperFunction`: how a problem names a resource (Pulumi's module, type, id). */
export function label(r: DeclaredResource): string {
  const [, module = '', type = ''] = r.type.split(':');
  return `${module.split('/')[0]}.${type} ${r.name}`;
}
