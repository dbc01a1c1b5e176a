import { describe, expect, it } from 'vitest';
import { INFRA_STAGES, type InfraCase } from './cases';
import { TYPES } from './checks';
import type { DeclaredResource, ProgramRun } from './support/declared';
import { caseConfig, casePlan, programRun } from './support/infra-runs';

/*
 * What each config branch is about, beyond what every case must hold: the resources the example
 * declares, a default VPC or an existing one, Spot capacity, schedules in their time zones.
 */

const ofType = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
const env = (fn: DeclaredResource | undefined) =>
  ((fn?.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {}) as Record<
    string,
    string
  >;

function countByType(run: ProgramRun): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of run.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

/** The example config's resources, by type: a change to infra/ shows up here. */
const EXAMPLE_RESOURCES = {
  // The stack, SST's components and what they group
  'pulumi:pulumi:Stack': 1,
  'sst:aws:Vpc': 1,
  'sst:aws:Bucket': 1,
  'sst:aws:Function': 7,
  'sst:sst:LinkRef': 9,
  'sst:sst:Version': 1,
  'random:index/randomBytes:RandomBytes': 1,
  // The VPC SST creates (public subnets, no NAT gateway)
  'aws:ec2/vpc:Vpc': 1,
  'aws:ec2/subnet:Subnet': 4,
  'aws:ec2/routeTable:RouteTable': 4,
  'aws:ec2/routeTableAssociation:RouteTableAssociation': 4,
  'aws:ec2/internetGateway:InternetGateway': 1,
  'aws:ec2/defaultSecurityGroup:DefaultSecurityGroup': 1,
  'aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace': 1,
  // The pipelines' bucket
  'aws:s3/bucket:Bucket': 1,
  'aws:s3/bucketNotification:BucketNotification': 1,
  'aws:s3/bucketPolicy:BucketPolicy': 1,
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': 1,
  'aws:s3/bucketCorsConfiguration:BucketCorsConfiguration': 1,
  // The ledger, the dead-letter queue and its policy, the worker's queue, its dead-letter queue, the
  // depth alarm and the dead-letter queue's alarm
  'aws:dynamodb/table:Table': 1,
  'aws:sqs/queue:Queue': 3,
  'aws:sqs/queuePolicy:QueuePolicy': 1,
  'aws:cloudwatch/metricAlarm:MetricAlarm': 2,
  // ECS: the cluster, four tasks (definition, image, two roles, log group each), the worker's service
  'aws:ecs/cluster:Cluster': 1,
  'aws:ecs/clusterCapacityProviders:ClusterCapacityProviders': 1,
  'aws:ecs/taskDefinition:TaskDefinition': 4,
  'aws:ecr/repository:Repository': 1,
  'docker-build:index:Image': 4,
  'aws:ecs/service:Service': 1,
  // IAM: a role and its policy per function, two per task (the flaky task's role has none), the scheduler's
  'aws:iam/role:Role': 16,
  'aws:iam/rolePolicy:RolePolicy': 16,
  // Seven functions: code object, function, log group, async invoke config each
  'aws:s3/bucketObjectv2:BucketObjectv2': 7,
  'aws:lambda/function:Function': 7,
  'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig': 7,
  'aws:cloudwatch/logGroup:LogGroup': 11,
  // Job events: the ledger's stream feeds the job-events function
  'aws:lambda/eventSourceMapping:EventSourceMapping': 1,
  // EventBridge: six rules, their targets and permissions; one Scheduler schedule
  'aws:cloudwatch/eventRule:EventRule': 6,
  'aws:cloudwatch/eventTarget:EventTarget': 6,
  'aws:lambda/permission:Permission': 6,
  'aws:scheduler/schedule:Schedule': 1,
};

describe.each(INFRA_STAGES)('the example config in %s', (stage) => {
  const c: InfraCase = { config: 'example', stage };

  it('declares the resources of the README, by type', () => {
    expect(countByType(programRun(c))).toEqual(EXAMPLE_RESOURCES);
  });

  it('returns the outputs `sst deploy` prints, named as the plan names them', async () => {
    const plan = await casePlan(c);
    expect(programRun(c).outputs).toEqual({
      region: plan.scope.region,
      table: plan.names.table,
      cluster: plan.names.cluster,
      buckets: plan.buckets,
      taskDefinitions: plan.tasks.map((t) => t.family),
      functions: plan.functions.map((f) => f.name),
      queues: plan.workers.map(
        (w) => `https://sqs.${plan.scope.region}.amazonaws.com/${plan.scope.account}/${w.queue}`,
      ),
      services: plan.workers.map((w) => w.service),
      schedules: plan.schedules.map((s) => s.scheduleName),
      deadLetterQueue: `https://sqs.${plan.scope.region}.amazonaws.com/${plan.scope.account}/${plan.deadLetterQueue}`,
      // SST's own output
      _protect: false,
    });
  });

  it("runs functions and the worker's tasks in the public subnets of the VPC it creates", () => {
    const run = programRun(c);
    const subnets = ofType(run, 'aws:ec2/subnet:Subnet')
      .filter((s) => s.name.includes('Public'))
      .map((s) => s.id);
    expect(subnets).toHaveLength(2);
    for (const fn of ofType(run, TYPES.lambda)) {
      expect(env(fn).STEVEDORE_SUBNETS?.split(',')).toEqual(subnets);
      expect(env(fn).STEVEDORE_ASSIGN_PUBLIC_IP).toBe('true');
    }
    const [service] = ofType(run, TYPES.service);
    expect(service?.inputs.networkConfiguration).toMatchObject({ subnets, assignPublicIp: true });
  });
});

describe.each(INFRA_STAGES)('an existing VPC in %s', (stage) => {
  const c: InfraCase = { config: 'existing-vpc', stage };

  it('creates no VPC and hands its subnets and security groups to the functions, without public IPs', async () => {
    const run = programRun(c);
    const network = (await caseConfig(c)).network;
    expect(run.resources.filter((r) => r.type.startsWith('aws:ec2/') || r.type === 'sst:aws:Vpc')).toEqual(
      [],
    );
    for (const fn of ofType(run, TYPES.lambda)) {
      expect(env(fn)).toMatchObject({
        STEVEDORE_SUBNETS: network?.subnets.join(','),
        STEVEDORE_SECURITY_GROUPS: network?.securityGroups.join(','),
        STEVEDORE_ASSIGN_PUBLIC_IP: 'false',
      });
    }
  });

  it('builds no image for tasks whose image is a reference', () => {
    const run = programRun(c);
    expect(ofType(run, 'aws:ecr/repository:Repository')).toEqual([]);
    expect(ofType(run, 'docker-build:index:Image')).toEqual([]);
    const images = ofType(run, TYPES.taskDefinition).map(
      (d) => (JSON.parse(String(d.inputs.containerDefinitions)) as { image: string }[])[0]?.image,
    );
    expect(images.sort()).toEqual([
      '111122223333.dkr.ecr.eu-central-1.amazonaws.com/transcode:3.2',
      'public.ecr.aws/acme/thumbnail:1',
    ]);
  });
});

describe.each(INFRA_STAGES)('Spot workers in %s', (stage) => {
  const c: InfraCase = { config: 'spot-workers', stage };

  it('place tasks on FARGATE_SPOT by spotPercent, once the cluster has both capacity providers', () => {
    const run = programRun(c);
    const [capacity] = ofType(run, 'aws:ecs/clusterCapacityProviders:ClusterCapacityProviders');
    expect(capacity?.inputs.capacityProviders).toEqual(['FARGATE', 'FARGATE_SPOT']);
    const strategies = Object.fromEntries(
      ofType(run, TYPES.service).map((s) => [s.inputs.name, s.inputs.capacityProviderStrategies]),
    );
    expect(strategies).toEqual({
      [`mailroom-${stage}-outgoing`]: [{ capacityProvider: 'FARGATE_SPOT', weight: 100 }],
      [`mailroom-${stage}-bounces`]: [
        { capacityProvider: 'FARGATE', weight: 50 },
        { capacityProvider: 'FARGATE_SPOT', weight: 50 },
      ],
    });
    // ECS refuses a strategy naming a provider the cluster does not have yet.
    for (const service of ofType(run, TYPES.service))
      expect(service.options.dependsOn).toContain(capacity?.urn);
  });

  it('deploys no sweeper or object-created without pipelines', () => {
    const names = ofType(programRun(c), TYPES.lambda).map((f) => f.inputs.name);
    expect(names.sort()).toEqual([
      `mailroom-${stage}-queue-alarm`,
      `mailroom-${stage}-scale-tick`,
      `mailroom-${stage}-task-state-change`,
    ]);
  });
});

describe.each(INFRA_STAGES)('schedules in several time zones in %s', (stage) => {
  const c: InfraCase = { config: 'time-zones', stage };

  it('keeps each time zone and state, with long names shortened to 64 characters', () => {
    const schedules = ofType(programRun(c), TYPES.schedule).map((s) => ({
      name: String(s.inputs.name),
      zone: s.inputs.scheduleExpressionTimezone,
      state: s.inputs.state,
    }));
    expect(schedules.map(({ zone, state }) => `${zone} ${state}`).sort()).toEqual([
      'America/New_York ENABLED',
      'Asia/Kolkata ENABLED',
      'Asia/Tokyo ENABLED',
      'UTC DISABLED',
    ]);
    expect(Math.max(...schedules.map((s) => s.name.length))).toBe(64);
    expect(schedules.filter((s) => s.name.length === 64).every((s) => /-[0-9a-f]{8}$/.test(s.name))).toBe(
      true,
    );
  });
});

describe.each(INFRA_STAGES)('task secrets in %s', (stage) => {
  const c: InfraCase = { config: 'secrets', stage };
  const DB = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:vault/db-AbCdEf';
  const PARTNER = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:partner/api-Zx9Yw8';
  const PARAMETER = (name: string) => `arn:aws:ssm:eu-central-1:123456789012:parameter/vault/${name}`;
  const KEY = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  const containerOf = (family: string) => {
    const definition = ofType(programRun(c), TYPES.taskDefinition).find((d) => d.inputs.family === family);
    return (JSON.parse(String(definition?.inputs.containerDefinitions)) as Record<string, unknown>[])[0];
  };
  /** The statements of a role's inline policy that read secrets, by Sid. */
  const secretGrants = (role: string) => {
    const policy = ofType(programRun(c), TYPES.rolePolicy).find((p) => p.inputs.role === role);
    const { Statement } = JSON.parse(String(policy?.inputs.policy)) as {
      Statement: { Sid: string; Action: string[]; Resource: string[]; Condition?: unknown }[];
    };
    return Object.fromEntries(
      Statement.filter((s) => s.Action.some((a) => /^(secretsmanager|ssm|kms):/.test(a))).map(
        ({ Sid, ...rest }) => [Sid, rest],
      ),
    );
  };

  it("names the task's secrets as references in its definition, a parameter name as its ARN", () => {
    expect(containerOf(`vault-${stage}-ingest`)).toMatchObject({
      environment: [{ name: 'MODE', value: 'batch' }],
      secrets: [
        { name: 'API_KEY', valueFrom: PARAMETER('api-key') },
        { name: 'DB_PASSWORD', valueFrom: `${DB}:password::` },
        { name: 'LICENSE', valueFrom: PARAMETER('license') },
      ],
    });
  });

  it('lets the execution role read exactly those, and decrypt only the named key through SSM', () => {
    expect(secretGrants(`vault-${stage}-ingest-exec`)).toEqual({
      ReadSecrets: { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [DB] },
      ReadParameters: {
        Effect: 'Allow',
        Action: ['ssm:GetParameters'],
        Resource: [PARAMETER('api-key'), PARAMETER('license')],
      },
      DecryptParameters: {
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [KEY],
        Condition: { StringEquals: { 'kms:ViaService': ['ssm.eu-central-1.amazonaws.com'] } },
      },
    });
  });

  it('gives the pipeline that replaces a secret its own definition and execution role, with the task role', () => {
    const run = programRun(c);
    const definition = ofType(run, TYPES.taskDefinition).find(
      (d) => d.inputs.family === `vault-${stage}-ingest--partner`,
    );
    const base = ofType(run, TYPES.taskDefinition).find((d) => d.inputs.family === `vault-${stage}-ingest`);
    expect(definition?.inputs.taskRoleArn).toBe(base?.inputs.taskRoleArn);
    expect(definition?.inputs.executionRoleArn).not.toBe(base?.inputs.executionRoleArn);
    expect(containerOf(`vault-${stage}-ingest--partner`)?.secrets).toEqual([
      { name: 'API_KEY', valueFrom: PARTNER },
      { name: 'DB_PASSWORD', valueFrom: `${DB}:password::` },
      { name: 'LICENSE', valueFrom: PARAMETER('license') },
    ]);
    // The replaced parameter is not readable through this role.
    expect(secretGrants(`vault-${stage}-ingest--partner-exec`)).toMatchObject({
      ReadSecrets: { Resource: [PARTNER, DB].sort() },
      ReadParameters: { Resource: [PARAMETER('license')] },
    });
    expect(
      ofType(run, TYPES.taskDefinition)
        .map((d) => d.inputs.family)
        .sort(),
    ).toEqual([
      `vault-${stage}-ingest`,
      `vault-${stage}-ingest--partner`,
      `vault-${stage}-relay`,
      `vault-${stage}-relay--relay`,
    ]);
  });

  it("runs the worker's service from the worker's own definition", () => {
    const run = programRun(c);
    const definition = ofType(run, TYPES.taskDefinition).find(
      (d) => d.inputs.family === `vault-${stage}-relay--relay`,
    );
    const [service] = ofType(run, TYPES.service);
    expect(service?.inputs.taskDefinition).toBe(definition?.state.arn);
    expect(containerOf(`vault-${stage}-relay`)).not.toHaveProperty('secrets');
    expect(secretGrants(`vault-${stage}-relay-exec`)).toEqual({});
    expect(secretGrants(`vault-${stage}-relay--relay-exec`)).toEqual({
      ReadParameters: { Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: [PARAMETER('smtp')] },
    });
  });
});
