import type { DeployPlan } from '@stevedore/deploy';

/**
 * The ECS cluster, with Fargate and Fargate Spot. Services with a capacity provider strategy must wait
 * for `capacity`: ECS refuses a strategy naming a provider not yet associated with the cluster.
 */
export function cluster(plan: DeployPlan) {
  const cluster = new aws.ecs.Cluster('Cluster', {
    name: plan.names.cluster,
    settings: [{ name: 'containerInsights', value: 'disabled' }],
  });
  const capacity = new aws.ecs.ClusterCapacityProviders('ClusterCapacity', {
    clusterName: cluster.name,
    capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
  });
  return { cluster, capacity };
}
