import { config } from './stevedore';

/**
 * Where tasks run: the config's existing VPC, or a new one whose public subnets give tasks internet
 * access without a NAT gateway (nothing to pay while idle).
 */
export function network() {
  if (config.network) {
    return {
      vpcId: config.network.vpcId,
      subnets: config.network.subnets,
      securityGroups: config.network.securityGroups,
      assignPublicIp: config.network.assignPublicIp,
    };
  }
  const vpc = new sst.aws.Vpc('Vpc');
  return {
    vpcId: vpc.id,
    subnets: vpc.publicSubnets,
    securityGroups: vpc.securityGroups,
    assignPublicIp: true,
  };
}
