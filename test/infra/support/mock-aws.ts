import { createHash } from 'node:crypto';
import { policyDocument } from './mock-policy-document';

/*
 * The answers AWS would give a deploy, made up deterministically: the account, region and partition
 * the look-ups return, and the ids, ARNs and generated names of created resources. Every ARN has AWS's
 * real format, so the checks can compare a target's ARN with the ARN the deploy plan computes.
 */

export const MOCK_SCOPE = { partition: 'aws', region: 'eu-central-1', account: '123456789012' } as const;

const { partition, region, account } = MOCK_SCOPE;

/** A provider function's answer; an unknown one is an error, so a new look-up gets an answer here. */
export function invokeResult(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case 'aws:iam/getPolicyDocument:getPolicyDocument':
      return policyDocument(inputs);
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return {
        id: account,
        accountId: account,
        arn: `arn:${partition}:iam::${account}:user/ci`,
        userId: 'AIDAMOCK',
      };
    case 'aws:index/getRegion:getRegion':
      return {
        id: region,
        region,
        name: region,
        endpoint: `ec2.${region}.amazonaws.com`,
        description: region,
      };
    case 'aws:index/getPartition:getPartition':
      return { id: partition, partition, dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws' };
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      return {
        id: region,
        names: ['a', 'b', 'c'].map((z) => `${region}${z}`),
        zoneIds: ['euc1-az1', 'euc1-az2', 'euc1-az3'],
      };
    case 'aws:ecr/getAuthorizationToken:getAuthorizationToken':
      return {
        id: region,
        registryId: account,
        userName: 'AWS',
        password: 'mock-ecr-password',
        authorizationToken: Buffer.from('AWS:mock-ecr-password').toString('base64'),
        proxyEndpoint: `https://${account}.dkr.ecr.${region}.amazonaws.com`,
        expiresAt: '2030-01-01T00:00:00Z',
      };
    default:
      throw new Error(`no mock answer for the look-up ${token}: add one to test/infra/support/mock-aws.ts`);
  }
}

/** The SST bootstrap data (`Provider.Aws.Bootstrap`): the asset bucket and ECR repository of the region. */
export function bootstrapData(forRegion: string) {
  return {
    asset: `sst-asset-mock-${forRegion}`,
    assetEcrRegistryId: account,
    assetEcrUrl: `${account}.dkr.ecr.${forRegion}.amazonaws.com/sst-asset`,
    state: `sst-state-mock-${forRegion}`,
    appsyncHttp: '',
    appsyncRealtime: '',
  };
}

/** Hex digits from a resource's type and name: stable across runs, different per resource. */
function suffix(key: string, length = 7): string {
  return createHash('sha256').update(key).digest('hex').slice(0, length);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * A created resource's outputs: its inputs, plus the id, ARN and name AWS (or the provider's
 * auto-naming, `<id>-<7 random characters>`) would give it.
 */
export function resourceState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): { id: string; state: Record<string, unknown> } {
  const key = `${type}::${name}`;
  const generated = `${name}-${suffix(key)}`;
  const named = text(inputs.name) ?? generated;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${account}:${resource}`;
  const answer = (id: string, extra: Record<string, unknown>) => ({ id, state: { ...inputs, ...extra } });

  switch (type) {
    case 'aws:iam/role:Role':
      return answer(named, {
        name: named,
        arn: `arn:${partition}:iam::${account}:role/${named}`,
        uniqueId: `AROA${suffix(key, 16)}`,
      });
    case 'aws:iam/rolePolicy:RolePolicy':
      return answer(`${text(inputs.role) ?? ''}:${named}`, { name: named });
    case 'aws:lambda/function:Function': {
      const fn = arn('lambda', `function:${named}`);
      return answer(named, {
        name: named,
        arn: fn,
        qualifiedArn: `${fn}:$LATEST`,
        invokeArn: `arn:${partition}:apigateway:${region}:lambda:path/2015-03-31/functions/${fn}/invocations`,
        version: '$LATEST',
      });
    }
    case 'aws:cloudwatch/eventRule:EventRule':
      return answer(named, { name: named, arn: arn('events', `rule/${named}`) });
    case 'aws:cloudwatch/eventTarget:EventTarget':
      return answer(`${text(inputs.rule) ?? ''}-${generated}`, { targetId: generated });
    case 'aws:cloudwatch/logGroup:LogGroup':
      return answer(named, { name: named, arn: arn('logs', `log-group:${named}`) });
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return answer(named, { name: named, arn: arn('cloudwatch', `alarm:${named}`) });
    case 'aws:sqs/queue:Queue': {
      const url = `https://sqs.${region}.amazonaws.com/${account}/${named}`;
      return answer(url, { name: named, arn: arn('sqs', named), url });
    }
    case 'aws:dynamodb/table:Table':
      return answer(named, {
        name: named,
        arn: arn('dynamodb', `table/${named}`),
        ...(inputs.streamEnabled === true
          ? { streamArn: arn('dynamodb', `table/${named}/stream/2026-01-01T00:00:00.000`) }
          : {}),
      });
    case 'aws:s3/bucket:Bucket':
    case 'aws:s3/bucketV2:BucketV2': {
      const bucket = text(inputs.bucket) ?? generated.toLowerCase();
      return answer(bucket, {
        bucket,
        arn: `arn:${partition}:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
        region,
      });
    }
    case 'aws:ecs/cluster:Cluster':
      return answer(arn('ecs', `cluster/${named}`), { name: named, arn: arn('ecs', `cluster/${named}`) });
    case 'aws:ecs/taskDefinition:TaskDefinition': {
      const family = text(inputs.family) ?? generated;
      return answer(family, {
        arn: arn('ecs', `task-definition/${family}:1`),
        arnWithoutRevision: arn('ecs', `task-definition/${family}`),
        revision: 1,
      });
    }
    case 'aws:ecs/service:Service':
      return answer(arn('ecs', `service/${named}`), { name: named });
    case 'aws:ecr/repository:Repository':
      return answer(named, {
        name: named,
        arn: arn('ecr', `repository/${named}`),
        registryId: account,
        repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${named}`,
      });
    case 'aws:scheduler/schedule:Schedule':
      return answer(named, { name: named, arn: arn('scheduler', `schedule/default/${named}`) });
    case 'docker-build:index:Image':
      return answer(generated, {
        digest: `sha256:${createHash('sha256').update(key).digest('hex')}`,
        ref: generated,
      });
    case 'random:index/randomBytes:RandomBytes': {
      const bytes = createHash('sha256').update(key).digest();
      return answer(generated, { base64: bytes.toString('base64'), hex: bytes.toString('hex') });
    }
    default: {
      // ec2 ids look like `vpc-0a1b...`; everything else gets its generated name and a plausible ARN.
      const [, module = 'unknown', resource = 'resource'] =
        /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):/.exec(type) ?? [];
      const id = module === 'ec2' ? `${resource.toLowerCase()}-${suffix(key, 17)}` : generated;
      return answer(id, { name: named, arn: arn(module, `${resource}/${id}`) });
    }
  }
}
