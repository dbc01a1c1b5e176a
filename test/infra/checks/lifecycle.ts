import { isDeepStrictEqual } from 'node:util';
import type { DeclaredResource } from '../support/declared';
import { type CheckContext, field, label, named, ofType, TYPES } from './context';

/*
 * What a later deploy or a removal does to what exists: worker services keep the count Stevedore set,
 * and a production stage keeps its data when the stage is removed.
 */

/**
 * The cluster offers the plan's capacity providers (jobs launch on FARGATE_SPOT or FARGATE per
 * attempt; a provider missing from the cluster makes RunTask refuse the strategy) and places a launch
 * that names none on demand.
 */
export function clusterCapacityAsPlanned({ run, plan }: CheckContext): string[] {
  const declared = ofType(run, TYPES.clusterCapacity);
  if (declared.length !== 1) return [`${declared.length} cluster capacity provider associations, not 1`];
  const [capacity] = declared as [DeclaredResource];
  const problems: string[] = [];
  const providers = capacity.inputs.capacityProviders;
  if (!isDeepStrictEqual(providers, plan.clusterCapacity.capacityProviders)) {
    problems.push(
      `${label(capacity)}: capacityProviders are ${JSON.stringify(providers)}, the plan's are ${JSON.stringify(plan.clusterCapacity.capacityProviders)}`,
    );
  }
  if (
    !isDeepStrictEqual(
      capacity.inputs.defaultCapacityProviderStrategies,
      plan.clusterCapacity.defaultStrategy,
    )
  ) {
    problems.push(`${label(capacity)}: defaultCapacityProviderStrategies are not the plan's (on demand)`);
  }
  return problems;
}

/**
 * Each plan worker's service is declared once, ignores `desiredCount` on deploys (Stevedore owns it),
 * runs the worker's task definition and takes the plan's capacity provider strategy.
 */
export function workersAsPlanned({ run, plan }: CheckContext): string[] {
  const problems: string[] = [];
  const services = ofType(run, TYPES.service);
  if (services.length !== plan.workers.length) {
    problems.push(`${services.length} services declared, the plan has ${plan.workers.length} workers`);
  }
  for (const worker of plan.workers) {
    const [service, ...more] = named(run, TYPES.service, worker.service);
    if (!service || more.length > 0) {
      problems.push(`service ${worker.service}: declared ${more.length + (service ? 1 : 0)} times, not once`);
      continue;
    }
    if (!service.options.ignoreChanges.includes('desiredCount')) {
      problems.push(
        `${label(service)}: does not ignore desiredCount, so each deploy resets the worker to ${worker.initialCount}`,
      );
    }
    if (!isDeepStrictEqual(service.inputs.capacityProviderStrategies, worker.capacityProviderStrategy)) {
      problems.push(`${label(service)}: capacityProviderStrategies are not the plan's`);
    }
    const definition = ofType(run, TYPES.taskDefinition).find((d) => field(d, 'family') === worker.family);
    if (!definition || field(service, 'taskDefinition') !== definition.state.arn) {
      problems.push(`${label(service)}: taskDefinition is not ${worker.family}'s`);
    }
  }
  return problems;
}

/** The data a stage holds: the ledger table and the buckets. */
const DATA = [TYPES.table, TYPES.bucket, TYPES.bucketV2];

/** In production the table and buckets are retained when the stage is removed; elsewhere they go with it. */
export function dataRetainedInProduction({ run }: CheckContext): string[] {
  const retain = run.stage === 'production';
  const data = run.resources.filter((r) => (DATA as string[]).includes(r.type));
  return [
    ...(data.length === 0 ? ['no table or bucket declared'] : []),
    ...data
      .filter((r) => r.options.retainOnDelete !== retain)
      .map((r) => `${label(r)}: retainOnDelete is ${r.options.retainOnDelete} in ${run.stage}`),
  ];
}
