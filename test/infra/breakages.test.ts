import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS, type CheckContext, type CheckName, TYPES } from './checks';
import { EVENT_SOURCE_MAPPING } from './checks/job-events';
import { LAMBDA_ENVIRONMENT_BYTES } from './checks/limits';
import type { DeclaredResource } from './support/declared';
import { checkContext } from './support/infra-runs';

/*
 * Each check fails on the mistake it is there for. The mistakes are made in a copy of what the
 * example's production execution declared (a resource's inputs or options changed, one added), never
 * in the sources: the check that passes on the real declaration must report the broken copy.
 */

let base: CheckContext;
beforeAll(async () => {
  base = await checkContext({ config: 'example', stage: 'production' });
});

/** The declared resource of a type with a logical name, in a (copied) context. */
function resource(context: CheckContext, type: string, name: string): DeclaredResource {
  const found = context.run.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} ${name} in the example`);
  return found;
}

const policyOf = (r: DeclaredResource) =>
  JSON.parse(String(r.inputs.policy)) as { Statement: Record<string, unknown>[] };

/** What the Output of a function's name turns into inside a template string. */
const OUTPUT_IN_TEXT = `arn:aws:lambda:eu-central-1:123456789012:function:Calling [toString] on an [Output<T>] is not supported.`;

interface Breakage {
  mistake: string;
  check: CheckName;
  /** Makes the mistake in a copy of the context. */
  make(context: CheckContext): void;
  /** A fragment of the problem the check must report. */
  reports: string;
}

const BREAKAGES: Breakage[] = [
  {
    mistake: 'a cluster without Fargate Spot',
    check: 'the cluster offers FARGATE and FARGATE_SPOT, on demand by default',
    make: (c) => {
      resource(c, TYPES.clusterCapacity, 'ClusterCapacity').inputs.capacityProviders = ['FARGATE'];
    },
    reports:
      'ecs.ClusterCapacityProviders ClusterCapacity: capacityProviders are ["FARGATE"], the plan\'s are ["FARGATE","FARGATE_SPOT"]',
  },
  {
    mistake: 'an Output interpolated into a string',
    check: 'no Output text in inputs, JSON inputs parse',
    make: (c) => {
      resource(c, TYPES.target, 'SweeperTarget').inputs.arn = OUTPUT_IN_TEXT;
    },
    reports: 'cloudwatch.EventTarget SweeperTarget: arn is',
  },
  {
    mistake: 'an Output stringified into a policy',
    check: 'IAM documents are resolved JSON',
    make: (c) => {
      const policy = resource(c, TYPES.rolePolicy, 'SweeperPolicy');
      const document = policyOf(policy);
      document.Statement[0] = { ...document.Statement[0], Resource: [OUTPUT_IN_TEXT] };
      policy.inputs.policy = JSON.stringify(document);
    },
    reports: 'iam.RolePolicy SweeperPolicy: policy.Statement[0].Resource[0]',
  },
  {
    mistake: 'a rule whose target is the wrong function',
    check: 'rules target the plan functions, with the dead-letter queue',
    make: (c) => {
      const scaleTick = resource(c, TYPES.lambda, 'ScaleTickFunction');
      resource(c, TYPES.target, 'SweeperTarget').inputs.arn = scaleTick.state.arn;
    },
    reports:
      "cloudwatch.EventTarget SweeperTarget: arn is arn:aws:lambda:eu-central-1:123456789012:function:stevedore-production-scale-tick, not sweeper's function",
  },
  {
    mistake: 'a rule target without a dead-letter queue',
    check: 'rules target the plan functions, with the dead-letter queue',
    make: (c) => {
      delete resource(c, TYPES.target, 'TaskStateChangeTarget').inputs.deadLetterConfig;
    },
    reports: 'cloudwatch.EventTarget TaskStateChangeTarget: deadLetterConfig.arn is undefined',
  },
  {
    mistake: 'a rule declared with another pattern',
    check: 'rules target the plan functions, with the dead-letter queue',
    make: (c) => {
      resource(c, TYPES.rule, 'PipelineSummariesRule').inputs.eventPattern = '{"source":["aws.s3"]}';
    },
    reports: 'cloudwatch.EventRule PipelineSummariesRule: eventPattern is not the plan',
  },
  {
    mistake: 'a Lambda permission without its sourceArn',
    check: 'each Lambda permission names its rule',
    make: (c) => {
      delete resource(c, TYPES.permission, 'SweeperInvoke').inputs.sourceArn;
    },
    reports: 'lambda.Permission SweeperInvoke: no sourceArn',
  },
  {
    mistake: "a Lambda permission naming another rule's ARN",
    check: 'each Lambda permission names its rule',
    make: (c) => {
      const scaleTickRule = resource(c, TYPES.rule, 'ScaleTickRule');
      resource(c, TYPES.permission, 'SweeperInvoke').inputs.sourceArn = scaleTickRule.state.arn;
    },
    reports:
      'lambda.Permission SweeperInvoke: lets stevedore-production-scale-tick invoke stevedore-production-sweeper',
  },
  {
    mistake: "a function's async failures sent nowhere",
    check: 'failed async invocations go to the dead-letter queue',
    make: (c) => {
      delete resource(c, TYPES.invokeConfig, 'SweeperAsync').inputs.destinationConfig;
    },
    reports: 'lambda.FunctionEventInvokeConfig SweeperAsync: destinationConfig.onFailure is undefined',
  },
  {
    mistake: 'a rule the dead-letter queue does not accept',
    check: 'the dead-letter queue accepts exactly the rules',
    make: (c) => {
      const queuePolicy = resource(c, TYPES.queuePolicy, 'DeadLettersPolicy');
      const document = policyOf(queuePolicy);
      const condition = document.Statement[0]?.Condition as { ArnEquals: { 'aws:SourceArn': string[] } };
      condition.ArnEquals['aws:SourceArn'].pop();
      queuePolicy.inputs.policy = JSON.stringify(document);
    },
    reports: 'lets 5 rules send to the dead-letter queue, the program declares 6',
  },
  {
    mistake: 'a schedule in the wrong time zone, without its dead-letter queue',
    check: 'schedules invoke schedule-fired, with the dead-letter queue',
    make: (c) => {
      const schedule = resource(c, TYPES.schedule, 'DailyReportSchedule');
      const target = schedule.inputs.target as Record<string, unknown>;
      schedule.inputs.scheduleExpressionTimezone = 'UTC';
      delete target.deadLetterConfig;
    },
    reports: 'scheduler.Schedule DailyReportSchedule: scheduleExpressionTimezone is UTC, not Europe/Berlin',
  },
  {
    mistake: "a function running as another function's role",
    check: 'functions and tasks run as the plan roles',
    make: (c) => {
      const other = resource(c, TYPES.role, 'ScaleTickRole');
      resource(c, TYPES.lambda, 'SweeperFunction').inputs.role = other.state.arn;
    },
    reports:
      "lambda.Function SweeperFunction: role is arn:aws:iam::123456789012:role/stevedore-production-fn-scale-tick, not the plan's",
  },
  {
    mistake: 'a function policy with a statement the plan does not have',
    check: 'roles carry exactly the plan policies',
    make: (c) => {
      const policy = resource(c, TYPES.rolePolicy, 'QueueAlarmPolicy');
      const document = policyOf(policy);
      document.Statement.push({
        Effect: 'Allow',
        Action: ['sqs:DeleteQueue'],
        Resource: ['arn:aws:sqs:eu-central-1:123456789012:stevedore-work'],
      });
      policy.inputs.policy = JSON.stringify(document);
    },
    reports:
      "iam.Role QueueAlarmRole: its inline policies (iam.RolePolicy QueueAlarmPolicy) are not exactly the plan's",
  },
  {
    mistake: 'a managed policy attached to a function role',
    check: 'roles carry exactly the plan policies',
    make: (c) => {
      const role = resource(c, TYPES.role, 'SweeperRole');
      c.run.resources.push({
        ...structuredClone(role),
        type: TYPES.rolePolicyAttachment,
        name: 'SweeperAdmin',
        urn: role.urn.replace(
          'aws:iam/role:Role::SweeperRole',
          'aws:iam/rolePolicyAttachment:RolePolicyAttachment::SweeperAdmin',
        ),
        inputs: { role: role.inputs.name, policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      });
    },
    reports: 'iam.RolePolicyAttachment SweeperAdmin: attaches arn:aws:iam::aws:policy/AdministratorAccess',
  },
  {
    mistake: 'a policy document that is not JSON',
    check: 'IAM documents are resolved JSON',
    make: (c) => {
      const policy = resource(c, TYPES.rolePolicy, 'ScaleTickPolicy');
      policy.inputs.policy = String(policy.inputs.policy).slice(0, -2);
    },
    reports: 'iam.RolePolicy ScaleTickPolicy: policy is not a JSON document',
  },
  {
    mistake: 'an undefined resource in a policy',
    check: 'IAM documents are resolved JSON',
    make: (c) => {
      const policy = resource(c, TYPES.rolePolicy, 'ObjectCreatedPolicy');
      policy.inputs.policy = String(policy.inputs.policy).replace(
        'table/stevedore-production-ledger"',
        'table/undefined"',
      );
    },
    reports:
      'iam.RolePolicy ObjectCreatedPolicy: policy.Statement[0].Resource[0] is "arn:aws:dynamodb:eu-central-1:123456789012:table/undefined"',
  },
  {
    mistake: 'a wildcard standing for the table',
    check: 'no wildcard on a resource the plan names',
    make: (c) => {
      const policy = resource(c, TYPES.rolePolicy, 'SweeperPolicy');
      policy.inputs.policy = String(policy.inputs.policy).replace(
        'table/stevedore-production-ledger"',
        'table/stevedore-production-*"',
      );
    },
    reports:
      'arn:aws:dynamodb:eu-central-1:123456789012:table/stevedore-production-* is a wildcard over resources the plan names',
  },
  {
    mistake: 'Resource "*" for an action that can be scoped',
    check: 'no wildcard on a resource the plan names',
    make: (c) => {
      const policy = resource(c, TYPES.rolePolicy, 'SweeperPolicy');
      const document = policyOf(policy);
      document.Statement[0] = { ...document.Statement[0], Resource: '*' };
      policy.inputs.policy = JSON.stringify(document);
    },
    reports: 'iam.RolePolicy SweeperPolicy: policy.Statement[0]: Resource * for dynamodb:GetItem',
  },
  {
    mistake: 'an Allow of every action of a service',
    check: 'no wildcard on a resource the plan names',
    make: (c) => {
      const policy = resource(c, TYPES.rolePolicy, 'ScaleTickPolicy');
      const document = policyOf(policy);
      document.Statement[0] = { ...document.Statement[0], Action: ['dynamodb:*'] };
      policy.inputs.policy = JSON.stringify(document);
    },
    reports: 'iam.RolePolicy ScaleTickPolicy: policy.Statement[0] allows dynamodb:*',
  },
  {
    mistake: 'a role name over 64 characters',
    check: 'names within AWS limits',
    make: (c) => {
      resource(c, TYPES.role, 'TaskStateChangeRole').inputs.name =
        `stevedore-production-fn-task-state-change-${'x'.repeat(30)}`;
    },
    reports: 'iam.Role TaskStateChangeRole: name "stevedore-production-fn-task-state-change-xxx',
  },
  {
    mistake: 'a resource id declared twice',
    check: 'no resource id twice',
    make: (c) => {
      c.run.resources.push(structuredClone(resource(c, TYPES.queue, 'DeadLetters')));
    },
    reports:
      'urn:pulumi:production::stevedore::pulumi:pulumi:Stack$aws:sqs/queue:Queue::DeadLetters: declared 2 times',
  },
  {
    mistake: "an environment over Lambda's 4 KB",
    check: 'function environments within 4 KB',
    make: (c) => {
      const fn = resource(c, TYPES.lambda, 'ScheduleFiredFunction');
      const environment = fn.inputs.environment as { variables: Record<string, string> };
      environment.variables.STEVEDORE_SCHEDULES = 'x'.repeat(LAMBDA_ENVIRONMENT_BYTES);
    },
    reports: 'lambda.Function ScheduleFiredFunction: environment is',
  },
  {
    mistake: 'a handler path that does not exist in the bundle',
    check: 'handlers exist in their bundles',
    make: (c) => {
      resource(c, TYPES.lambda, 'SweeperFunction').inputs.handler = 'sweeper.handler';
    },
    reports: 'lambda.Function SweeperFunction: handler sweeper.handler names no file of',
  },
  {
    mistake: 'a handler export the bundle does not have',
    check: 'handlers exist in their bundles',
    make: (c) => {
      resource(c, TYPES.lambda, 'SweeperFunction').inputs.handler = 'index.main';
    },
    reports: 'lambda.Function SweeperFunction: index.mjs does not export main',
  },
  {
    mistake: 'a secret in a container the plan gives none',
    check: 'task definitions carry exactly the plan secrets',
    make: (c) => {
      const definition = resource(c, TYPES.taskDefinition, 'SummarizeDefinition');
      const [container] = JSON.parse(String(definition.inputs.containerDefinitions)) as Record<
        string,
        unknown
      >[];
      const secrets = [{ name: 'TOKEN', valueFrom: 'ssm:/not/planned' }];
      definition.inputs.containerDefinitions = JSON.stringify([{ ...container, secrets }]);
    },
    reports: 'ecs.TaskDefinition SummarizeDefinition: secrets are [{"name":"TOKEN"',
  },
  {
    mistake: 'a task definition family the plan does not have',
    check: 'task definitions carry exactly the plan secrets',
    make: (c) => {
      const copy = structuredClone(resource(c, TYPES.taskDefinition, 'ReportDefinition'));
      copy.name = 'ReportExtraDefinition';
      copy.inputs.family = 'stevedore-production-report--extra';
      c.run.resources.push(copy);
    },
    reports: 'stevedore-production-report--extra is no task definition of the plan',
  },
  {
    mistake: 'a worker service whose desiredCount a deploy resets',
    check: 'worker services as planned, ignoring desiredCount',
    make: (c) => {
      resource(c, TYPES.service, 'JobsService').options.ignoreChanges = [];
    },
    reports: 'ecs.Service JobsService: does not ignore desiredCount',
  },
  {
    mistake: 'a production table removed with the stage',
    check: 'production retains the table and buckets',
    make: (c) => {
      resource(c, TYPES.table, 'Ledger').options.retainOnDelete = false;
    },
    reports: 'dynamodb.Table Ledger: retainOnDelete is false in production',
  },
  {
    mistake: "a worker queue that redrives to the functions' dead-letter queue",
    check: 'worker queues redrive to their own dead-letter queue, alarmed, that no role touches',
    make: (c) => {
      const queue = resource(c, TYPES.queue, 'JobsQueue');
      const other = resource(c, TYPES.queue, 'DeadLetters');
      queue.inputs.redrivePolicy = JSON.stringify({
        deadLetterTargetArn: other.state.arn,
        maxReceiveCount: 5,
      });
    },
    reports:
      'sqs.Queue JobsQueue: redrivePolicy names arn:aws:sqs:eu-central-1:123456789012:stevedore-production-dead-letters',
  },
  {
    mistake: "a worker's dead-letter queue without encryption",
    check: 'worker queues redrive to their own dead-letter queue, alarmed, that no role touches',
    make: (c) => {
      delete resource(c, TYPES.queue, 'JobsDeadLetterQueue').inputs.sqsManagedSseEnabled;
    },
    reports: "sqs.Queue JobsDeadLetterQueue: sqsManagedSseEnabled is undefined, the queue's is true",
  },
  {
    mistake: "a task role that may read the worker's dead-letter queue",
    check: 'worker queues redrive to their own dead-letter queue, alarmed, that no role touches',
    make: (c) => {
      const policy = resource(c, TYPES.rolePolicy, 'WorkerTaskRolePolicy');
      const document = policyOf(policy);
      const dlq = resource(c, TYPES.queue, 'JobsDeadLetterQueue').state.arn;
      document.Statement.push({ Effect: 'Allow', Action: ['sqs:ReceiveMessage'], Resource: [dlq] });
      policy.inputs.policy = JSON.stringify(document);
    },
    reports: 'iam.RolePolicy WorkerTaskRolePolicy: grants access to stevedore-work-dlq',
  },
  {
    mistake: 'a job-events stream mapping that drops a failed batch instead of reporting it',
    check: 'the ledger stream feeds job-events, failures to the dead-letter queue',
    make: (c) => {
      delete resource(c, EVENT_SOURCE_MAPPING, 'JobEventsStream').inputs.destinationConfig;
    },
    reports: 'lambda.EventSourceMapping JobEventsStream: destinationConfig.onFailure is undefined',
  },
  {
    mistake: 'a ledger table without its stream',
    check: 'the ledger stream feeds job-events, failures to the dead-letter queue',
    make: (c) => {
      resource(c, TYPES.table, 'Ledger').inputs.streamEnabled = false;
    },
    reports: 'dynamodb.Table Ledger: streamEnabled/streamViewType are not true/NEW_AND_OLD_IMAGES',
  },
  {
    mistake: 'a notifications rule the config does not ask for',
    check: 'notifications: one rule on the job events to the topic only it may publish to',
    make: (c) => {
      const copy = structuredClone(resource(c, TYPES.rule, 'ScaleTickRule'));
      copy.name = 'JobNotificationsRule';
      copy.inputs.name = 'stevedore-production-job-notifications';
      c.run.resources.push(copy);
    },
    reports: 'cloudwatch.EventRule JobNotificationsRule: declared, but the plan has no notifications',
  },
];

describe('each check against a deliberate mistake in a copy of the example in production', () => {
  it.each(BREAKAGES.map((b) => [b.mistake, b] as const))('%s', (_, breakage) => {
    const check = CHECKS[breakage.check];
    const broken = { ...base, run: structuredClone(base.run) };
    breakage.make(broken);

    expect(check(base)).toEqual([]);
    expect(check(broken)).toContainEqual(expect.stringContaining(breakage.reports));
  });

  it('covers every check', () => {
    expect(new Set(BREAKAGES.map((b) => b.check))).toEqual(new Set(Object.keys(CHECKS)));
  });
});
