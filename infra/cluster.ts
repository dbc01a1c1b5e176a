import type { DeployPlan } from '@stevedore/deploy';

/**
 * The ECS cluster, with Fargate and Fargate Spot (jobs choose per attempt, workers weigh the two) and
 * on-demand by default. Services with a capacity provider strategy must wait for `capacity`: ECS
 * refuses a strategy naming a provider not yet associated with the cluster.
 */
export function cluster(plan: DeployPlan) {
  const cluster = new aws.ecs.Cluster('Cluster', {
    name: plan.names.cluster,
    settings: [{ name: 'containerInsights', value: 'disabled' }],
  });
  const capacity = new aws.ecs.ClusterCapacityProviders('ClusterCapacity', {
    clusterName: cluster.name,
    capacityProviders: plan.clusterCapacity.capacityProviders,
    defaultCapacityProviderStrategies: plan.clusterCapacity.defaultStrategy,
  });
  return { cluster, capacity };
}
