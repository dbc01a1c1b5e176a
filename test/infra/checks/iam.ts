import { isDeepStrictEqual } from 'node:util';
import { schedulerPolicy, schedulerTrustPolicy, trustPolicy } from '@stevedore/deploy';
import {
  arnOf,
  type CheckContext,
  deadLetterArn,
  field,
  functionArn,
  label,
  named,
  ofType,
  strings,
  TYPES,
} from './context';

/*
 * IAM as the plan derives it: each role the plan names, with its trust policy and exactly its one
 * inline policy; documents that are JSON with every value resolved; no wildcard standing for a
 * resource the plan names.
 */

interface ExpectedRole {
  name: string;
  trust: unknown;
  /** Its one inline policy, or none. */
  policy: unknown;
}

/** JSON as AWS would read it: `undefined` members dropped. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function expectedRoles(context: CheckContext): ExpectedRole[] {
  const { plan } = context;
  const ecsTasks = trustPolicy('ecs-tasks.amazonaws.com');
  return [
    ...plan.functions.map((f) => ({
      name: f.roleName,
      trust: trustPolicy('lambda.amazonaws.com'),
      policy: f.policy,
    })),
    ...plan.tasks.flatMap((t) => [
      {
        name: t.taskRoleName,
        trust: ecsTasks,
        policy: t.taskRolePolicy.Statement.length > 0 ? t.taskRolePolicy : undefined,
      },
      { name: t.executionRoleName, trust: ecsTasks, policy: t.executionRolePolicy },
      // A source that overrides the task's secrets has its own definition and execution role.
      ...t.variants.map((v) => ({
        name: v.executionRoleName,
        trust: ecsTasks,
        policy: v.executionRolePolicy,
      })),
    ]),
    ...(plan.schedules.length > 0
      ? [
          {
            name: plan.schedulerRoleName,
            trust: schedulerTrustPolicy(plan.scope.account),
            policy: schedulerPolicy(functionArn(context, 'schedule-fired'), deadLetterArn(context)),
          },
        ]
      : []),
  ].map((role) => ({ ...role, trust: asJson(role.trust), policy: role.policy && asJson(role.policy) }));
}

const parse = (json: string): unknown => {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
};

/**
 * The roles are the plan's roles, no more: each with the plan's trust policy and exactly the plan's
 * inline policy, nothing attached or managed besides.
 */
export function rolesCarryPlanPolicies(context: CheckContext): string[] {
  const { run } = context;
  const problems: string[] = [];
  const expected = expectedRoles(context);
  for (const role of ofType(run, TYPES.role)) {
    if (!expected.some((e) => e.name === field(role, 'name'))) {
      problems.push(`${label(role)}: ${field(role, 'name')} is no role of the plan`);
    }
  }
  for (const { name, trust, policy } of expected) {
    const [role, ...more] = named(run, TYPES.role, name);
    if (!role || more.length > 0) {
      problems.push(`role ${name}: declared ${more.length + (role ? 1 : 0)} times, not once`);
      continue;
    }
    if (!isDeepStrictEqual(parse(field(role, 'assumeRolePolicy')), trust)) {
      problems.push(`${label(role)}: assumeRolePolicy is not the plan's trust policy`);
    }
    for (const key of ['managedPolicyArns', 'inlinePolicies', 'permissionsBoundary']) {
      const value = role.inputs[key];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        problems.push(`${label(role)}: has ${key}`);
      }
    }
    const inline = ofType(run, TYPES.rolePolicy).filter((p) => field(p, 'role') === name);
    const documents = inline.map((p) => parse(field(p, 'policy')));
    if (!isDeepStrictEqual(documents, policy === undefined ? [] : [policy])) {
      problems.push(
        `${label(role)}: its inline policies (${inline.map(label).join(', ') || 'none'}) are not exactly the plan's`,
      );
    }
    const attachments = ofType(run, TYPES.rolePolicyAttachment).filter((a) => field(a, 'role') === name);
    for (const attachment of attachments) {
      problems.push(`${label(attachment)}: attaches ${field(attachment, 'policyArn')} to ${name}`);
    }
  }
  return problems;
}

/** Each function runs as its plan role; each task definition names its task's task and execution roles. */
export function functionsAndTasksUsePlanRoles(context: CheckContext): string[] {
  const { run, plan } = context;
  const problems: string[] = [];
  const roleArn = (name: string) => arnOf(named(run, TYPES.role, name)[0]);
  const functions = ofType(run, TYPES.lambda);
  if (functions.length !== plan.functions.length) {
    problems.push(`${functions.length} functions declared, the plan has ${plan.functions.length}`);
  }
  for (const spec of plan.functions) {
    const [fn] = named(run, TYPES.lambda, spec.name);
    if (!fn) {
      problems.push(`function ${spec.name}: not declared`);
    } else if (!roleArn(spec.roleName) || field(fn, 'role') !== roleArn(spec.roleName)) {
      problems.push(`${label(fn)}: role is ${field(fn, 'role')}, not the plan's ${spec.roleName}`);
    }
  }
  // A source's own definition (see TaskSpec.variants) runs as its task's task role and its own execution role.
  for (const task of plan.tasks) {
    for (const spec of [task, ...task.variants]) {
      const definition = ofType(run, TYPES.taskDefinition).find((d) => field(d, 'family') === spec.family);
      if (!definition) {
        problems.push(`task definition ${spec.family}: not declared`);
        continue;
      }
      if (field(definition, 'taskRoleArn') !== roleArn(task.taskRoleName)) {
        problems.push(`${label(definition)}: taskRoleArn is not ${task.taskRoleName}`);
      }
      if (field(definition, 'executionRoleArn') !== roleArn(spec.executionRoleName)) {
        problems.push(`${label(definition)}: executionRoleArn is not ${spec.executionRoleName}`);
      }
    }
  }
  return problems;
}

/** Every IAM document a resource takes: `[resource, key, text]`. */
function documents(context: CheckContext) {
  return context.run.resources.flatMap((r) =>
    ['policy', 'assumeRolePolicy']
      .filter((key) => r.inputs[key] !== undefined)
      .map((key) => ({ resource: r, key, text: r.inputs[key] })),
  );
}

/** What a value that never resolved looks like once it is text. */
const UNRESOLVED = /undefined|\[object Object\]|Output<T>|<unknown>|^null$|^NaN$|^$/;

/** IAM documents are JSON with a version and statements, and every value in them resolved. */
export function iamDocumentsResolved(context: CheckContext): string[] {
  const problems: string[] = [];
  for (const { resource, key, text } of documents(context)) {
    const document = typeof text === 'string' ? parse(text) : undefined;
    if (!document || typeof document !== 'object') {
      problems.push(`${label(resource)}: ${key} is not a JSON document`);
      continue;
    }
    const { Version, Statement } = document as { Version?: unknown; Statement?: unknown };
    if (Version !== '2012-10-17') problems.push(`${label(resource)}: ${key}.Version is ${String(Version)}`);
    if (!Array.isArray(Statement) || Statement.length === 0) {
      problems.push(`${label(resource)}: ${key} has no statements`);
    }
    for (const [path, value] of strings(document)) {
      if (UNRESOLVED.test(value)) {
        problems.push(`${label(resource)}: ${key}.${path} is ${JSON.stringify(value)}`);
      }
    }
    for (const [i, statement] of (Array.isArray(Statement) ? Statement : []).entries()) {
      const s = statement as Record<string, unknown>;
      if (![s.Action, s.NotAction].some((a) => (Array.isArray(a) ? a.length > 0 : typeof a === 'string'))) {
        problems.push(`${label(resource)}: ${key}.Statement[${i}] has no Action`);
      }
      if (
        key === 'policy' &&
        resource.type === TYPES.rolePolicy &&
        ![s.Resource, s.NotResource].some((r) => (Array.isArray(r) ? r.length > 0 : typeof r === 'string'))
      ) {
        problems.push(`${label(resource)}: ${key}.Statement[${i}] has no Resource`);
      }
    }
  }
  return problems;
}

/** Actions AWS does not let a policy scope to a resource. */
const UNSCOPABLE = new Set(['ecr:GetAuthorizationToken']);

/** The names the plan gives resources, by the ARN service they appear under. */
function planNames({ plan }: CheckContext): Record<string, string[]> {
  return {
    dynamodb: [plan.names.table],
    ecs: [
      plan.names.cluster,
      ...plan.tasks.flatMap((t) => [t.family, ...t.variants.map((v) => v.family)]),
      ...plan.workers.map((w) => w.service),
    ],
    logs: [...plan.tasks.map((t) => t.logGroup), ...plan.functions.map((f) => f.logGroup)],
    s3: plan.buckets,
    sqs: [plan.deadLetterQueue, ...plan.workers.map((w) => w.queue)],
    lambda: plan.functions.map((f) => f.name),
    iam: [
      ...plan.functions.map((f) => f.roleName),
      ...plan.tasks.flatMap((t) => [
        t.taskRoleName,
        t.executionRoleName,
        ...t.variants.map((v) => v.executionRoleName),
      ]),
      plan.schedulerRoleName,
    ],
    events: plan.rules.map((r) => r.name),
    scheduler: plan.schedules.map((s) => s.scheduleName),
    cloudwatch: plan.workers.map((w) => w.alarmName),
  };
}

/**
 * No wildcard on the resources the plan names: `*` alone only for actions that cannot be scoped, and
 * in an ARN of a service the plan names resources in, only after a whole name of that service's
 * (`table/<table>/index/*`, `log-group:<log group>:*`, `<bucket>/<prefix>*`), never within one.
 * Allow statements grant no `service:*` action. Resources the config's own permissions list are the
 * config's to choose.
 */
export function noWildcardOnPlanResources(context: CheckContext): string[] {
  const problems: string[] = [];
  const names = planNames(context);
  const configured = new Set(context.configured);
  const anchored = (arn: string) => {
    const before = arn.slice(0, arn.indexOf('*'));
    const service = arn.split(':')[2] ?? '';
    const ofService = names[service];
    if (!ofService) return true;
    return ofService.some((name) =>
      [':', '/'].some((open) => before.includes(`${open}${name}/`) || before.includes(`${open}${name}:`)),
    );
  };
  for (const { resource, key, text } of documents(context)) {
    const document = typeof text === 'string' ? parse(text) : undefined;
    const statements = (document as { Statement?: unknown } | undefined)?.Statement;
    for (const [i, statement] of (Array.isArray(statements) ? statements : []).entries()) {
      const s = statement as { Effect?: unknown; Action?: unknown; Resource?: unknown };
      const actions = ([] as unknown[]).concat(s.Action ?? []).map(String);
      const where = `${label(resource)}: ${key}.Statement[${i}]`;
      const wildcardActions = s.Effect === 'Allow' ? actions.filter((a) => a.includes('*')) : [];
      for (const action of wildcardActions) problems.push(`${where} allows ${action}`);
      for (const arn of ([] as unknown[]).concat(s.Resource ?? []).map(String)) {
        if (!arn.includes('*') || configured.has(arn)) continue;
        if (arn === '*') {
          if (!actions.every((a) => UNSCOPABLE.has(a))) {
            problems.push(`${where}: Resource * for ${actions.join(', ')}`);
          }
        } else if (!anchored(arn)) {
          problems.push(`${where}: ${arn} is a wildcard over resources the plan names`);
        }
      }
    }
  }
  return problems;
}
