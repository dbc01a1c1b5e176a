import type { DeployPlan } from '@stevedore/deploy';

/** The ECS cluster, with Fargate and Fargate Spot. */
export function cluster(plan: DeployPlan) {
  const cluster = new aws.ecs.Cluster('Cluster', {
    name: plan.names.cluster,
    settings: [{ name: 'containerInsights', value: 'disabled' }],
  });
  new aws.ecs.ClusterCapacityProviders('ClusterCapacity', {
    clusterName: cluster.name,
    capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
  });
  return cluster;
}
