/** The account, region and partition ARNs are built in. */
export interface AwsScope {
  partition: string;
  region: string;
  account: string;
}

/** ARNs of Stevedore's resources, built from their deterministic names (see resourceNames). */
export function arns(scope: AwsScope) {
  const { partition: p, region: r, account: a } = scope;
  return {
    table: (table: string) => `arn:${p}:dynamodb:${r}:${a}:table/${table}`,
    tableIndexes: (table: string) => `arn:${p}:dynamodb:${r}:${a}:table/${table}/index/*`,
    cluster: (cluster: string) => `arn:${p}:ecs:${r}:${a}:cluster/${cluster}`,
    clusterTasks: (cluster: string) => `arn:${p}:ecs:${r}:${a}:task/${cluster}/*`,
    clusterContainerInstances: (cluster: string) => `arn:${p}:ecs:${r}:${a}:container-instance/${cluster}/*`,
    service: (cluster: string, service: string) => `arn:${p}:ecs:${r}:${a}:service/${cluster}/${service}`,
    taskDefinition: (family: string) => `arn:${p}:ecs:${r}:${a}:task-definition/${family}:*`,
    role: (name: string) => `arn:${p}:iam::${a}:role/${name}`,
    bucket: (bucket: string) => `arn:${p}:s3:::${bucket}`,
    objects: (bucket: string, prefix: string) => `arn:${p}:s3:::${bucket}/${prefix}*`,
    queue: (queue: string) => `arn:${p}:sqs:${r}:${a}:${queue}`,
    logGroup: (group: string) => `arn:${p}:logs:${r}:${a}:log-group:${group}:*`,
    logStreams: (group: string) => `arn:${p}:logs:${r}:${a}:log-group:${group}:log-stream:*`,
    lambda: (name: string) => `arn:${p}:lambda:${r}:${a}:function:${name}`,
    rule: (name: string) => `arn:${p}:events:${r}:${a}:rule/${name}`,
    eventBus: (name: string) => `arn:${p}:events:${r}:${a}:event-bus/${name}`,
    /** Every stream of a table (a stream's ARN ends in its creation time, unknown before the deploy). */
    tableStreams: (table: string) => `arn:${p}:dynamodb:${r}:${a}:table/${table}/stream/*`,
    repository: (name: string) => `arn:${p}:ecr:${r}:${a}:repository/${name}`,
  };
}

export type Arns = ReturnType<typeof arns>;

/** The ECR repository ARN of a private ECR image reference (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`). */
export function ecrRepositoryArn(image: string, partition: string): string | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(image);
  if (!match) return undefined;
  const [, account, region, repository] = match;
  return `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;
}
