import { parseConfig } from '@stevedore/core/config';
import { eventRoutes } from '@stevedore/core/events';
import {
  containerDefinitions,
  deployPlan,
  type PolicyDocument,
  roleName,
  SCHEDULER_RETRY,
  schedulerPolicy,
  schedulerTrustPolicy,
} from '@stevedore/deploy';
import { describe, expect, it } from 'vitest';
import exampleConfig from '../../../stevedore.config';

const SCOPE = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
const config = parseConfig(exampleConfig);
const plan = deployPlan(config, 'prod', SCOPE);

const A = 'arn:aws:ecs:eu-west-1:123456789012';
const CLUSTER = `${A}:cluster/stevedore-prod`;
const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/stevedore-prod-ledger';
const ROLE = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

const policyOf = (handler: string): PolicyDocument => {
  const fn = plan.functions.find((f) => f.handler === handler);
  if (!fn) throw new Error(`no ${handler}`);
  return fn.policy;
};
const actionsOf = (policy: PolicyDocument) => policy.Statement.flatMap((s) => s.Action).sort();

describe('the deploy plan of the example config', () => {
  it('names everything after the app and stage', () => {
    expect(plan.names.table).toBe('stevedore-prod-ledger');
    expect(plan.clusterArn).toBe(CLUSTER);
    expect(plan.buckets).toEqual(['stevedore-inbox']);
    expect(plan.tasks.map((t) => t.family)).toEqual([
      'stevedore-prod-summarize',
      'stevedore-prod-worker',
      'stevedore-prod-report',
      'stevedore-prod-flaky',
    ]);
    expect(plan.functions.map((f) => [f.name, f.handler])).toEqual([
      ['stevedore-prod-object-created', 'object-created'],
      ['stevedore-prod-task-state-change', 'task-state-change'],
      ['stevedore-prod-sweeper', 'sweeper'],
      ['stevedore-prod-job-events', 'job-events'],
      ['stevedore-prod-queue-alarm', 'queue-alarm'],
      ['stevedore-prod-scale-tick', 'scale-tick'],
      ['stevedore-prod-schedule-fired', 'schedule-fired'],
    ]);
  });

  it('gives each schedule an EventBridge Scheduler schedule that invokes schedule-fired with its name', () => {
    expect(plan.schedules).toEqual([
      {
        name: 'daily-report',
        scheduleName: 'stevedore-prod-daily-report',
        expression: 'cron(0 6 * * ? *)',
        timezone: 'Europe/Berlin',
        enabled: true,
        input: JSON.stringify({
          schedule: 'daily-report',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
          attempt: '<aws.scheduler.attempt-number>',
        }),
      },
    ]);
    expect(plan.schedulerRoleName).toBe('stevedore-prod-scheduler');
  });

  it('routes events with the very patterns the local bus matches, and runs the sweeper every minute', () => {
    const routes = eventRoutes(config, {
      clusterArn: CLUSTER,
      stage: 'prod',
      ruleArn: (id) => `arn:aws:events:eu-west-1:123456789012:rule/stevedore-prod-${id}`,
    });
    const patterns = plan.rules.filter((r) => r.pattern).map((r) => JSON.parse(r.pattern ?? '{}'));

    expect(patterns).toEqual(
      routes.filter((r) => r.id !== 'sweeper' && r.id !== 'scale-tick').map((r) => r.pattern),
    );
    expect(plan.rules.find((r) => r.handler === 'scale-tick')?.schedule).toBe('rate(1 minute)');
    expect(JSON.parse(plan.rules.find((r) => r.handler === 'queue-alarm')?.pattern ?? '{}')).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: ['stevedore-prod-jobs-depth'] },
    });
    expect(plan.rules.find((r) => r.handler === 'sweeper')).toEqual({
      name: 'stevedore-prod-sweeper',
      handler: 'sweeper',
      schedule: 'rate(1 minute)',
    });
    expect(plan.rules.find((r) => r.name === 'stevedore-prod-pipeline-summaries')?.pattern).toBe(
      JSON.stringify({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: ['stevedore-inbox'] }, object: { key: [{ prefix: 'incoming/' }] } },
      }),
    );
  });

  it('defines each task as Fargate runs it: size, architecture, environment, stop timeout, logs', () => {
    const summarize = plan.tasks.find((t) => t.name === 'summarize');
    if (!summarize) throw new Error('no summarize task');

    expect(summarize).toMatchObject({
      cpu: 256,
      memory: 512,
      architecture: 'arm64',
      stopTimeout: 10,
      logRetentionDays: 30,
    });
    expect(containerDefinitions(summarize, 'image@sha256:abc', 'eu-west-1')).toEqual([
      {
        name: 'main',
        image: 'image@sha256:abc',
        essential: true,
        command: ['node', 'examples/summarize/main.mjs'],
        environment: [
          { name: 'INPUT_PREFIX', value: 'incoming/' },
          { name: 'OUTPUT_PREFIX', value: 'summaries/' },
        ],
        stopTimeout: 10,
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/stevedore/stevedore-prod/summarize',
            'awslogs-region': 'eu-west-1',
            'awslogs-stream-prefix': 'task',
          },
        },
      },
    ]);
  });
});

describe('least-privilege IAM of the example config', () => {
  it('lets the object-created function launch exactly the job tasks, in the cluster, passing exactly their roles', () => {
    const policy = policyOf('object-created');

    expect(policy.Statement).toEqual([
      {
        Sid: 'Ledger',
        Effect: 'Allow',
        Action: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
        ],
        Resource: [TABLE, `${TABLE}/index/*`],
      },
      {
        Sid: 'RunJobTasks',
        Effect: 'Allow',
        Action: ['ecs:RunTask'],
        Resource: [
          `${A}:task-definition/stevedore-prod-flaky:*`,
          `${A}:task-definition/stevedore-prod-report:*`,
          `${A}:task-definition/stevedore-prod-summarize:*`,
        ],
        Condition: { ArnEquals: { 'ecs:cluster': CLUSTER } },
      },
      {
        Sid: 'TagTasksAtLaunch',
        Effect: 'Allow',
        Action: ['ecs:TagResource'],
        Resource: [`${A}:task/stevedore-prod/*`],
        Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      },
      {
        Sid: 'PassTaskRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [
          ROLE('stevedore-prod-flaky-exec'),
          ROLE('stevedore-prod-flaky-task'),
          ROLE('stevedore-prod-report-exec'),
          ROLE('stevedore-prod-report-task'),
          ROLE('stevedore-prod-summarize-exec'),
          ROLE('stevedore-prod-summarize-task'),
        ],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      {
        Sid: 'StopTasks',
        Effect: 'Allow',
        Action: ['ecs:StopTask'],
        Resource: [`${A}:task/stevedore-prod/*`],
        Condition: { ArnEquals: { 'ecs:cluster': CLUSTER } },
      },
      {
        Sid: 'OwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [
          'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/stevedore-prod-object-created:*',
          'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/stevedore-prod-object-created:log-stream:*',
        ],
      },
      {
        Sid: 'DeadLetters',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: ['arn:aws:sqs:eu-west-1:123456789012:stevedore-prod-dead-letters'],
      },
    ]);
  });

  it('lets schedule-fired launch and stop exactly the job tasks, as object-created does', () => {
    expect(policyOf('schedule-fired').Statement.filter((s) => s.Sid !== 'OwnLogs')).toEqual(
      policyOf('object-created').Statement.filter((s) => s.Sid !== 'OwnLogs'),
    );
  });

  it('lets EventBridge Scheduler, for this account only, invoke schedule-fired and dead-letter a firing', () => {
    const fn = 'arn:aws:lambda:eu-west-1:123456789012:function:stevedore-prod-schedule-fired';
    const dlq = 'arn:aws:sqs:eu-west-1:123456789012:stevedore-prod-dead-letters';

    expect(schedulerPolicy(fn, dlq).Statement).toEqual([
      { Sid: 'InvokeScheduleFired', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [fn] },
      { Sid: 'DeadLetters', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [dlq] },
    ]);
    expect(schedulerTrustPolicy('123456789012')).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        },
      ],
    });
    // Scheduler retries a failed invocation, within the window missed-run detection waits out.
    expect(SCHEDULER_RETRY.maximumEventAgeInSeconds).toBeLessThan(6 * 60);
  });

  it('gives only the sweeper the right to inspect and list tasks', () => {
    expect(actionsOf(policyOf('sweeper'))).toEqual(
      expect.arrayContaining(['ecs:DescribeTasks', 'ecs:ListTasks']),
    );
    for (const handler of ['object-created', 'task-state-change']) {
      expect(actionsOf(policyOf(handler))).not.toContain('ecs:DescribeTasks');
      expect(actionsOf(policyOf(handler))).not.toContain('ecs:ListTasks');
    }
  });

  it('never grants a wildcard resource except where AWS allows no scoping', () => {
    const everyPolicy = [
      ...plan.functions.map((f) => f.policy),
      ...plan.tasks.flatMap((t) => [t.taskRolePolicy, t.executionRolePolicy]),
    ];
    const wildcards = everyPolicy.flatMap((p) =>
      p.Statement.filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action),
    );

    expect(new Set(wildcards)).toEqual(new Set(['ecr:GetAuthorizationToken']));
    for (const policy of everyPolicy) {
      for (const statement of policy.Statement) {
        for (const action of statement.Action) expect(action).not.toMatch(/\*/);
        for (const resource of statement.Resource)
          expect(resource).not.toMatch(/^arn:aws:[a-z0-9-]+:[^:]*:[^:]*:\*$/);
      }
    }
  });

  it('lets the scaling functions read the worker queue and set only the worker service', () => {
    for (const handler of ['queue-alarm', 'scale-tick']) {
      const statements = Object.fromEntries(policyOf(handler).Statement.map((s) => [s.Sid, s]));
      expect(statements.ReadWorkerQueues).toMatchObject({
        Action: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
        Resource: ['arn:aws:sqs:eu-west-1:123456789012:stevedore-work'],
      });
      expect(statements.ScaleWorkerServices).toMatchObject({
        Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
        Resource: [`${A}:service/stevedore-prod/stevedore-prod-jobs`],
        Condition: { ArnEquals: { 'ecs:cluster': CLUSTER } },
      });
      expect(actionsOf(policyOf(handler))).not.toContain('ecs:RunTask');
      expect(actionsOf(policyOf(handler))).not.toContain('iam:PassRole');
    }
  });

  it('lets the worker task consume its queue and protect itself, and finds its queue in its environment', () => {
    const worker = plan.tasks.find((t) => t.name === 'worker');

    expect(worker?.environment.STEVEDORE_QUEUE_URL).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/stevedore-work',
    );
    expect(worker?.taskRolePolicy.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        'ConsumeWorkerQueue',
        ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
        ['arn:aws:sqs:eu-west-1:123456789012:stevedore-work'],
      ],
      [
        'TaskScaleInProtection',
        ['ecs:GetTaskProtection', 'ecs:UpdateTaskProtection'],
        [`${A}:task/stevedore-prod/*`],
      ],
      ['Config0', ['s3:PutObject'], ['arn:aws:s3:::stevedore-inbox/worker-results/*']],
    ]);
    expect(plan.workers).toEqual([
      expect.objectContaining({
        name: 'jobs',
        service: 'stevedore-prod-jobs',
        queue: 'stevedore-work',
        alarmName: 'stevedore-prod-jobs-depth',
        initialCount: 0,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 100 }],
      }),
    ]);
  });

  it('lets each task read only its own pipelines objects, plus what the config grants', () => {
    const roles = Object.fromEntries(plan.tasks.map((t) => [t.name, t.taskRolePolicy.Statement]));

    expect(roles.summarize).toEqual([
      {
        Sid: 'ReadPipelineObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: ['arn:aws:s3:::stevedore-inbox/incoming/*'],
      },
      {
        Sid: 'Config0',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: ['arn:aws:s3:::stevedore-inbox/summaries/*'],
      },
    ]);
    expect(roles.flaky).toEqual([
      {
        Sid: 'ReadPipelineObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: ['arn:aws:s3:::stevedore-inbox/flaky/*'],
      },
    ]);
  });

  it('lets the execution roles write their own log group and pull only the app image repository', () => {
    const summarize = plan.tasks.find((t) => t.name === 'summarize');

    expect(summarize?.executionRolePolicy.Statement).toEqual([
      {
        Sid: 'WriteTaskLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [
          'arn:aws:logs:eu-west-1:123456789012:log-group:/stevedore/stevedore-prod/summarize:*',
          'arn:aws:logs:eu-west-1:123456789012:log-group:/stevedore/stevedore-prod/summarize:log-stream:*',
        ],
      },
      {
        Sid: 'PullBuiltImage',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Resource: ['arn:aws:ecr:eu-west-1:123456789012:repository/stevedore-prod-images'],
      },
      { Sid: 'EcrToken', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
    ]);
  });
});

describe('plan details', () => {
  it('keeps role names within IAM limits, readable and unique', () => {
    const long = roleName(`a${'x'.repeat(29)}-${'s'.repeat(20)}`, `${'t'.repeat(40)}-task`);
    const other = roleName(`a${'x'.repeat(29)}-${'s'.repeat(20)}`, `${'t'.repeat(40)}-exec`);

    expect(long.length).toBeLessThanOrEqual(64);
    expect(long.startsWith('axxxx')).toBe(true);
    expect(long).not.toBe(other);
    expect(roleName('app-dev', 'fn-sweeper')).toBe('app-dev-fn-sweeper');
  });

  it('keeps schedule names within Scheduler limits and distinct', () => {
    const long = deployPlan(
      parseConfig({
        app: `a${'x'.repeat(29)}`,
        tasks: { t: { image: 'x', cpu: 256, memory: 512 } },
        schedules: {
          [`${'n'.repeat(39)}1`]: { expression: 'rate(1 hour)', task: 't' },
          [`${'n'.repeat(39)}2`]: { expression: 'rate(1 hour)', task: 't' },
        },
      }),
      's'.repeat(20),
      SCOPE,
    );
    const names = long.schedules.map((s) => s.scheduleName);

    expect(names.every((n) => n.length <= 64)).toBe(true);
    expect(new Set(names).size).toBe(2);
  });

  it('grants nothing to launch when a config has no pipelines nor schedules', () => {
    const bare = deployPlan(
      parseConfig({ tasks: { t: { image: 'x', cpu: 256, memory: 512 } } }),
      'dev',
      SCOPE,
    );

    expect(bare.functions).toEqual([]);
    expect(bare.rules).toEqual([]);
  });

  it('pulls from a private ECR image repository a task names, and from nothing for a public image', () => {
    const withImages = deployPlan(
      parseConfig({
        tasks: {
          private: {
            image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2',
            cpu: 256,
            memory: 512,
          },
          public: { image: 'public.ecr.aws/docker/library/node:22', cpu: 256, memory: 512 },
        },
      }),
      'dev',
      SCOPE,
    );
    const pulls = Object.fromEntries(
      withImages.tasks.map((t) => [
        t.name,
        t.executionRolePolicy.Statement.find((s) => s.Sid === 'PullBuiltImage')?.Resource,
      ]),
    );

    expect(pulls).toEqual({
      private: ['arn:aws:ecr:eu-west-1:111122223333:repository/team/app'],
      public: undefined,
    });
  });
});
