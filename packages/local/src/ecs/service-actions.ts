import { EcsApiError } from '../errors';
import type { EcsContext } from './ecs-context';
import { checkCluster, resolveTaskDefinition, serviceArnOf, serviceNameOf } from './identifiers';
import {
  objectList,
  optionalInteger,
  optionalString,
  type RequestBody,
  requiredBoolean,
  requiredString,
  stringList,
} from './request-fields';
import {
  GET_PROTECTION_LIMIT,
  MAX_PROTECTION_MINUTES,
  type ProtectionResult,
  UPDATE_PROTECTION_LIMIT,
} from './task-protection';
import type { CapacityProviderName, StrategyItem } from './types';

/*
 * DescribeServices, UpdateService, UpdateTaskProtection and GetTaskProtection. DescribeServices
 * takes up to 10 services and answers unknown ones with failures (reason MISSING); UpdateService
 * here changes desiredCount and the capacity provider of tasks started from then on.
 */

const DESCRIBE_SERVICES_LIMIT = 10;
const invalid = (message: string) => new EcsApiError('InvalidParameterException', message);

/** Handles DescribeServices. */
export function describeServices(context: EcsContext, body: RequestBody): Record<string, unknown> {
  checkCluster(context.scope, optionalString(body, 'cluster'));
  const references =
    stringList(body, 'services', { max: DESCRIBE_SERVICES_LIMIT, required: true, label: 'Services' }) ?? [];
  const services: Record<string, unknown>[] = [];
  const failures: Array<{ arn: string; reason: string }> = [];
  for (const reference of references) {
    const name = serviceNameOf(context.scope, reference);
    const service = context.scheduler.get(name);
    if (service) services.push(context.scheduler.describe(service));
    else failures.push({ arn: serviceArnOf(context.scope, name), reason: 'MISSING' });
  }
  return { services, failures };
}

/** Handles UpdateService: scale-out starts tasks at once, scale-in stops unprotected ones. */
export function updateService(context: EcsContext, body: RequestBody): Record<string, unknown> {
  checkCluster(context.scope, optionalString(body, 'cluster'));
  const service = context.scheduler.get(serviceNameOf(context.scope, requiredString(body, 'service')));
  if (!service) throw new EcsApiError('ServiceNotFoundException', 'Service not found.');
  const taskDefinition = optionalString(body, 'taskDefinition');
  if (taskDefinition !== undefined) {
    const definition = resolveTaskDefinition(context.scope, context.definitions, taskDefinition);
    if (!definition) throw new EcsApiError('ClientException', 'TaskDefinition not found.');
    if (definition !== service.definition) {
      throw invalid('The local ECS endpoint cannot move a service to another task definition family.');
    }
  }
  const strategy = objectList(body, 'capacityProviderStrategy');
  if (strategy !== undefined) service.strategy = strategyOf(strategy);
  const desiredCount = optionalInteger(body, 'desiredCount', { min: 0, max: 5000 });
  // A new strategy places the missing tasks at once, as a new deployment would.
  if (desiredCount !== undefined || strategy !== undefined)
    context.scheduler.setDesiredCount(service, desiredCount ?? service.desiredCount);
  return { service: context.scheduler.describe(service) };
}

/**
 * A capacity provider strategy as ECS checks it: FARGATE and FARGATE_SPOT items (each at most once),
 * base 0 to 100000 on at most one of them, weights 0 to 1000 with one above 0.
 */
function strategyOf(items: RequestBody[]): StrategyItem[] {
  const strategy = items.map((item) => {
    const provider = optionalString(item, 'capacityProvider');
    if (provider !== 'FARGATE' && provider !== 'FARGATE_SPOT') {
      throw invalid(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
      );
    }
    return {
      capacityProvider: provider as CapacityProviderName,
      base: optionalInteger(item, 'base', { min: 0, max: 100000 }) ?? 0,
      weight: optionalInteger(item, 'weight', { min: 0, max: 1000 }) ?? 0,
    };
  });
  if (
    strategy.length === 0 ||
    new Set(strategy.map((item) => item.capacityProvider)).size !== strategy.length
  )
    throw invalid('A capacity provider strategy names each capacity provider at most once.');
  if (strategy.filter((item) => item.base > 0).length > 1)
    throw invalid('Only one capacity provider in a strategy can have a base defined.');
  if (!strategy.some((item) => item.weight > 0))
    throw invalid('At least one capacity provider in the strategy must have a weight greater than 0.');
  return strategy;
}

/** Handles UpdateTaskProtection. */
export function updateTaskProtection(context: EcsContext, body: RequestBody): Record<string, unknown> {
  checkCluster(context.scope, optionalString(body, 'cluster'));
  const tasks =
    stringList(body, 'tasks', { max: UPDATE_PROTECTION_LIMIT, required: true, label: 'Tasks' }) ?? [];
  const enabled = requiredBoolean(body, 'protectionEnabled');
  const minutes = optionalInteger(body, 'expiresInMinutes', { min: 1, max: MAX_PROTECTION_MINUTES });
  return protectionResponse(context.protection.update(tasks, enabled, enabled ? minutes : undefined));
}

/** Handles GetTaskProtection; without `tasks`, every task of every service. */
export function getTaskProtection(context: EcsContext, body: RequestBody): Record<string, unknown> {
  checkCluster(context.scope, optionalString(body, 'cluster'));
  const tasks =
    stringList(body, 'tasks', { max: GET_PROTECTION_LIMIT, required: false }) ??
    context.runner
      .all()
      .filter((task) => task.serviceName !== undefined && task.desiredStatus === 'RUNNING')
      .map((task) => task.taskArn);
  return protectionResponse(context.protection.get(tasks));
}

function protectionResponse(result: ProtectionResult): Record<string, unknown> {
  return {
    protectedTasks: result.protectedTasks.map((entry) => ({
      taskArn: entry.taskArn,
      protectionEnabled: entry.protectionEnabled,
      ...(entry.expirationDate ? { expirationDate: entry.expirationDate.getTime() / 1000 } : {}),
    })),
    failures: result.failures,
  };
}
