import { parseConfig } from '@stevedore/core/config';
import { type DeployPlan, deployPlan } from '@stevedore/deploy';
import rawConfig from '../stevedore.config';

/**
 * The config and the deploy plan for this stage and account. Everything in infra/ is declared from
 * the plan, the same data `stevedore iam` prints.
 */
export async function loadPlan(): Promise<DeployPlan> {
  const config = parseConfig(rawConfig);
  const [identity, region, partition] = await Promise.all([
    aws.getCallerIdentity({}),
    aws.getRegion({}),
    aws.getPartition({}),
  ]);
  return deployPlan(config, $app.stage, {
    account: identity.accountId,
    region: region.region,
    partition: partition.partition,
  });
}

export const config = parseConfig(rawConfig);
