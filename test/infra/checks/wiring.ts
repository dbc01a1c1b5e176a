import { isDeepStrictEqual } from 'node:util';
import { SCHEDULER_RETRY } from '@stevedore/deploy';
import {
  arnOf,
  type CheckContext,
  deadLetterArn,
  field,
  functionArn,
  label,
  named,
  ofType,
  output,
  TYPES,
} from './context';
import { notificationRule } from './job-events';

/*
 * What invokes what: EventBridge rules and Scheduler schedules target the plan's function for them and
 * send what they cannot deliver to the dead-letter queue; each Lambda permission is for one rule.
 */

const parsed = (json: string): unknown => {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
};

/** Each plan rule is declared once, as planned, with one target: the plan's function, with the DLQ. */
export function rulesTargetPlanFunctions(context: CheckContext): string[] {
  const { run, plan } = context;
  const problems: string[] = [];
  const dlq = deadLetterArn(context);
  const notifications = notificationRule(context);
  for (const rule of ofType(run, TYPES.rule)) {
    if (field(rule, 'name') === notifications) continue;
    if (!plan.rules.some((r) => r.name === field(rule, 'name'))) {
      problems.push(`${label(rule)}: the rule ${field(rule, 'name')} is not in the plan`);
    }
  }
  for (const spec of plan.rules) {
    const declared = named(run, TYPES.rule, spec.name);
    const [rule] = declared;
    if (declared.length !== 1 || !rule) {
      problems.push(`rule ${spec.name}: declared ${declared.length} times, not once`);
      continue;
    }
    if (
      spec.pattern !== undefined &&
      !isDeepStrictEqual(parsed(field(rule, 'eventPattern')), parsed(spec.pattern))
    ) {
      problems.push(`${label(rule)}: eventPattern is not the plan's pattern`);
    }
    if (spec.schedule !== undefined && field(rule, 'scheduleExpression') !== spec.schedule) {
      problems.push(
        `${label(rule)}: scheduleExpression is ${field(rule, 'scheduleExpression')}, not ${spec.schedule}`,
      );
    }
    const targets = ofType(run, TYPES.target).filter((t) => field(t, 'rule') === spec.name);
    if (targets.length !== 1) problems.push(`${label(rule)}: ${targets.length} targets, not one`);
    const expected = functionArn(context, spec.handler);
    for (const target of targets) {
      const arn = field(target, 'arn');
      if (!expected || arn !== expected) {
        problems.push(
          `${label(target)}: arn is ${arn}, not ${spec.handler}'s function ${expected || '(not declared)'}`,
        );
      }
      const deadLetter = (target.inputs.deadLetterConfig as { arn?: unknown } | undefined)?.arn;
      if (!dlq || deadLetter !== dlq) {
        problems.push(
          `${label(target)}: deadLetterConfig.arn is ${String(deadLetter)}, not the dead-letter queue`,
        );
      }
    }
  }
  for (const target of ofType(run, TYPES.target)) {
    if (field(target, 'rule') === notifications) continue;
    if (!plan.rules.some((r) => r.name === field(target, 'rule'))) {
      problems.push(`${label(target)}: its rule ${field(target, 'rule')} is not in the plan`);
    }
  }
  return problems;
}

/**
 * Every Lambda permission lets one declared rule (`sourceArn`) invoke the function that rule targets,
 * and every rule's target function has that permission.
 */
export function permissionsNameTheirRule(context: CheckContext): string[] {
  const { run } = context;
  const problems: string[] = [];
  const rules = ofType(run, TYPES.rule);
  // The notifications rule targets a topic, which needs no Lambda permission.
  const targets = ofType(run, TYPES.target).filter((t) => field(t, 'rule') !== notificationRule(context));
  const functionArnByName = new Map(ofType(run, TYPES.lambda).map((f) => [field(f, 'name'), arnOf(f)]));
  const granted = new Set<string>();
  for (const permission of ofType(run, TYPES.permission)) {
    const sourceArn = field(permission, 'sourceArn');
    const rule = rules.find((r) => arnOf(r) === sourceArn);
    const invoked = functionArnByName.get(field(permission, 'function'));
    if (!sourceArn) {
      problems.push(
        `${label(permission)}: no sourceArn, so any ${field(permission, 'principal')} resource may invoke`,
      );
      continue;
    }
    if (!rule) {
      problems.push(`${label(permission)}: sourceArn ${sourceArn} is no declared rule`);
      continue;
    }
    if (field(permission, 'principal') !== 'events.amazonaws.com') {
      problems.push(
        `${label(permission)}: principal is ${field(permission, 'principal')}, not events.amazonaws.com`,
      );
    }
    const ruleTargets = targets
      .filter((t) => field(t, 'rule') === field(rule, 'name'))
      .map((t) => field(t, 'arn'));
    if (!invoked || !ruleTargets.includes(invoked)) {
      problems.push(
        `${label(permission)}: lets ${field(rule, 'name')} invoke ${field(permission, 'function')}, which it does not target`,
      );
    }
    granted.add(`${sourceArn} ${invoked}`);
  }
  for (const target of targets) {
    const rule = rules.find((r) => field(r, 'name') === field(target, 'rule'));
    if (rule && !granted.has(`${arnOf(rule)} ${field(target, 'arn')}`)) {
      problems.push(
        `${label(target)}: no Lambda permission lets ${field(rule, 'name')} invoke ${field(target, 'arn')}`,
      );
    }
  }
  return problems;
}

/**
 * Each plan schedule is declared once, as planned, invoking schedule-fired through the scheduler
 * role, with the retry policy and the dead-letter queue.
 */
export function schedulesTargetScheduleFired(context: CheckContext): string[] {
  const { run, plan } = context;
  const problems: string[] = [];
  const dlq = deadLetterArn(context);
  const fn = functionArn(context, 'schedule-fired');
  const roleArn = arnOf(named(run, TYPES.role, plan.schedulerRoleName)[0]);
  const declared = ofType(run, TYPES.schedule);
  if (declared.length !== plan.schedules.length) {
    problems.push(`${declared.length} schedules declared, the plan has ${plan.schedules.length}`);
  }
  for (const spec of plan.schedules) {
    const [schedule, ...more] = named(run, TYPES.schedule, spec.scheduleName);
    if (!schedule || more.length > 0) {
      problems.push(
        `schedule ${spec.scheduleName}: declared ${more.length + (schedule ? 1 : 0)} times, not once`,
      );
      continue;
    }
    const expected = {
      scheduleExpression: spec.expression,
      scheduleExpressionTimezone: spec.timezone,
      state: spec.enabled ? 'ENABLED' : 'DISABLED',
    };
    for (const [key, value] of Object.entries(expected)) {
      if (field(schedule, key) !== value) {
        problems.push(`${label(schedule)}: ${key} is ${field(schedule, key)}, not ${value}`);
      }
    }
    const target = (schedule.inputs.target ?? {}) as Record<string, unknown>;
    const deadLetter = (target.deadLetterConfig as { arn?: unknown } | undefined)?.arn;
    if (!fn || target.arn !== fn) {
      problems.push(`${label(schedule)}: target.arn is ${String(target.arn)}, not schedule-fired`);
    }
    if (!roleArn || target.roleArn !== roleArn) {
      problems.push(
        `${label(schedule)}: target.roleArn is ${String(target.roleArn)}, not the scheduler role`,
      );
    }
    if (!dlq || deadLetter !== dlq) {
      problems.push(
        `${label(schedule)}: target.deadLetterConfig.arn is ${String(deadLetter)}, not the dead-letter queue`,
      );
    }
    if (!isDeepStrictEqual(target.retryPolicy, { ...SCHEDULER_RETRY })) {
      problems.push(`${label(schedule)}: target.retryPolicy is not SCHEDULER_RETRY`);
    }
    if (target.input !== spec.input) {
      problems.push(`${label(schedule)}: target.input is not the plan's input`);
    }
  }
  return problems;
}

/**
 * Each function's failed asynchronous invocations are retried as the plan says, then sent to the
 * dead-letter queue (one invoke config per function).
 */
export function asyncFailuresGoToDeadLetters(context: CheckContext): string[] {
  const { run, plan } = context;
  const problems: string[] = [];
  const dlq = deadLetterArn(context);
  const configs = ofType(run, TYPES.invokeConfig);
  if (configs.length !== plan.functions.length) {
    problems.push(
      `${configs.length} invoke configs declared, the plan has ${plan.functions.length} functions`,
    );
  }
  for (const spec of plan.functions) {
    const [config, ...more] = configs.filter((c) => field(c, 'functionName') === spec.name);
    if (!config || more.length > 0) {
      problems.push(`function ${spec.name}: ${more.length + (config ? 1 : 0)} invoke configs, not one`);
      continue;
    }
    const destination = (
      config.inputs.destinationConfig as { onFailure?: { destination?: unknown } } | undefined
    )?.onFailure?.destination;
    if (!dlq || destination !== dlq) {
      problems.push(
        `${label(config)}: destinationConfig.onFailure is ${String(destination)}, not the dead-letter queue`,
      );
    }
    if (config.inputs.maximumRetryAttempts !== spec.asyncRetries) {
      problems.push(
        `${label(config)}: maximumRetryAttempts is ${String(config.inputs.maximumRetryAttempts)}, not ${spec.asyncRetries}`,
      );
    }
    if (config.inputs.maximumEventAgeInSeconds !== spec.maxEventAgeSeconds) {
      problems.push(`${label(config)}: maximumEventAgeInSeconds is not ${spec.maxEventAgeSeconds}`);
    }
  }
  return problems;
}

interface QueueStatement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: { ArnEquals?: { 'aws:SourceArn'?: string | string[] } };
}

/** The dead-letter queue's policy lets EventBridge send to it for exactly the declared rules. */
export function deadLettersAcceptTheRules(context: CheckContext): string[] {
  const { run } = context;
  const queue = named(run, TYPES.queue, context.plan.deadLetterQueue)[0];
  // The notifications rule has no dead-letter queue: SNS takes what it is sent.
  const rules = ofType(run, TYPES.rule)
    .filter((r) => field(r, 'name') !== notificationRule(context))
    .map(arnOf)
    .sort();
  const policies = ofType(run, TYPES.queuePolicy).filter(
    (p) => field(p, 'queueUrl') === output(queue, 'url'),
  );
  if (rules.length === 0) return policies.length === 0 ? [] : ['a dead-letter queue policy without rules'];
  const [policy, ...more] = policies;
  if (!policy || more.length > 0) return [`the dead-letter queue has ${policies.length} policies, not one`];
  const statements = (parsed(field(policy, 'policy')) as { Statement?: QueueStatement[] }).Statement ?? [];
  const allowed = statements
    .filter(
      (s) =>
        s.Effect === 'Allow' &&
        isDeepStrictEqual(s.Principal, { Service: 'events.amazonaws.com' }) &&
        s.Action === 'sqs:SendMessage' &&
        s.Resource === arnOf(queue),
    )
    .flatMap((s) => [s.Condition?.ArnEquals?.['aws:SourceArn'] ?? []].flat())
    .sort();
  return isDeepStrictEqual(allowed, rules)
    ? []
    : [
        `${label(policy)}: lets ${allowed.length} rules send to the dead-letter queue, the program declares ${rules.length}`,
      ];
}
