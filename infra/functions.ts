import { resourceId } from '@stevedore/core/config';
import { buildFunctions, type DeployPlan, trustPolicy } from '@stevedore/deploy';

export interface FunctionNetwork {
  subnets: $util.Input<$util.Input<string>[]>;
  securityGroups: $util.Input<$util.Input<string>[]>;
  assignPublicIp: boolean;
}

/**
 * The Lambda functions: the bundles `npm run build:functions` makes (built here again, so a deploy
 * never ships a stale one), Node 22 on arm64, each with its own least-privilege role, and failed
 * asynchronous invocations sent to the dead-letter queue.
 */
export async function functions(
  plan: DeployPlan,
  network: FunctionNetwork,
  deadLetterArn: $util.Input<string>,
) {
  const built = await buildFunctions({ root: process.cwd(), handlers: plan.functions.map((f) => f.handler) });
  return plan.functions.map((spec) => {
    const id = resourceId(spec.handler);
    const role = new aws.iam.Role(`${id}Role`, {
      name: spec.roleName,
      assumeRolePolicy: JSON.stringify(trustPolicy('lambda.amazonaws.com')),
    });
    const policy = new aws.iam.RolePolicy(`${id}Policy`, {
      role: role.name,
      policy: JSON.stringify(spec.policy),
    });
    const bundle = built.find((b) => b.handler === spec.handler);
    if (!bundle) throw new Error(`no bundle for ${spec.handler}`);

    const fn = new sst.aws.Function(
      id,
      {
        // The top-level name (not a transform) also names SST's log group, `/aws/lambda/<name>`: the
        // group the function's role may write to.
        name: spec.name,
        bundle: bundle.dir,
        handler: 'index.handler',
        runtime: 'nodejs22.x',
        architecture: 'arm64',
        role: role.arn,
        timeout: `${spec.timeoutSeconds} seconds`,
        memory: `${spec.memoryMb} MB`,
        logging: { retention: '1 month', format: 'json' },
        environment: {
          ...spec.environment,
          STEVEDORE_SUBNETS: $resolve([network.subnets]).apply(([subnets]) => subnets.join(',')),
          STEVEDORE_SECURITY_GROUPS: $resolve([network.securityGroups]).apply(([groups]) => groups.join(',')),
          STEVEDORE_ASSIGN_PUBLIC_IP: String(network.assignPublicIp),
        },
      },
      { dependsOn: [policy] },
    );
    new aws.lambda.FunctionEventInvokeConfig(`${id}Async`, {
      functionName: fn.name,
      maximumRetryAttempts: spec.asyncRetries,
      maximumEventAgeInSeconds: spec.maxEventAgeSeconds,
      destinationConfig: { onFailure: { destination: deadLetterArn } },
    });
    return { spec, fn };
  });
}
