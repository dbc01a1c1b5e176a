import { EcsApiError } from '../errors';
import { admitOrThrottle, type EcsContext } from './ecs-context';
import { checkCluster, resolveTaskDefinition } from './identifiers';
import {
  canonicalJson,
  objectList,
  optionalBoolean,
  optionalInteger,
  optionalObject,
  optionalString,
  type RequestBody,
  requiredString,
} from './request-fields';
import { apiTask } from './task-events';
import {
  CAPACITY_UNAVAILABLE,
  type CapacityProviderName,
  type LocalTaskDefinition,
  type Tag,
  type TaskOverrides,
} from './types';

/*
 * RunTask, with the limits of the ECS API Reference: count 1 to 10; startedBy up to 128 letters,
 * numbers, hyphens, forward slashes and underscores; clientToken up to 64 characters in the range
 * 33-126 ("the same clientToken with different parameters" is a ConflictException naming the
 * tasks in `resourceIds`); "A total of 8192 characters are allowed for overrides. This limit
 * includes the JSON formatting characters of the override structure."
 */

export const OVERRIDES_LIMIT = 8192;
const STARTED_BY = /^[A-Za-z0-9\-/_]{1,128}$/;
const CLIENT_TOKEN = /^[\x21-\x7e]{1,64}$/;
const CAPACITY_PROVIDERS: readonly string[] = ['FARGATE', 'FARGATE_SPOT'];
const NO_CAPACITY = 'no capacity' as const;

const invalid = (message: string) => new EcsApiError('InvalidParameterException', message);

interface Placement {
  /** undefined: launched with launchType FARGATE, which records no capacity provider. */
  pick: () => CapacityProviderName | undefined;
}

/** Handles RunTask. */
export function runTask(context: EcsContext, body: RequestBody): Record<string, unknown> {
  const { scope } = context;
  checkCluster(scope, optionalString(body, 'cluster'));
  const definition = resolveTaskDefinition(
    scope,
    context.definitions,
    requiredString(body, 'taskDefinition'),
  );
  if (!definition) throw new EcsApiError('ClientException', 'TaskDefinition not found.');
  const count = optionalInteger(body, 'count', { min: 1, max: 10 }) ?? 1;
  const startedBy = optionalString(body, 'startedBy');
  if (startedBy !== undefined && !STARTED_BY.test(startedBy)) {
    throw invalid('startedBy can have up to 128 letters, numbers, hyphens, forward slashes and underscores.');
  }
  const group = optionalString(body, 'group') ?? `family:${definition.family}`;
  const clientToken = optionalString(body, 'clientToken');
  if (clientToken !== undefined && !CLIENT_TOKEN.test(clientToken)) {
    throw invalid('clientToken can have up to 64 characters in the ASCII range 33-126.');
  }
  requireAwsvpcNetwork(body);
  const placement = placementOf(context, body);
  const { overrides, overrideEnv } = overridesOf(body, definition);
  const tags = tagsOf(body, scope.cluster);

  const fingerprint = canonicalJson({ ...body, cluster: undefined, clientToken: undefined });
  const replayed = clientToken === undefined ? undefined : replay(context, clientToken, fingerprint);
  if (replayed) return replayed;

  // Fargate answers per task: each one launches or fails for capacity (Spot has its own pool).
  const picks = Array.from({ length: count }, () => {
    if (context.capacityFails()) return NO_CAPACITY;
    const pick = placement.pick();
    return pick === 'FARGATE_SPOT' && context.spotCapacityFails() ? NO_CAPACITY : pick;
  });
  const launches: Partial<Record<CapacityProviderName, number>> = {};
  for (const pick of picks) {
    if (pick === NO_CAPACITY) continue;
    const capacity = pick ?? 'FARGATE';
    launches[capacity] = (launches[capacity] ?? 0) + 1;
  }
  admitOrThrottle(context, { action: 'RunTask', launches });

  const tasks: Record<string, unknown>[] = [];
  const failures: Array<{ reason: string }> = [];
  for (const pick of picks) {
    if (pick === NO_CAPACITY) {
      failures.push({ reason: CAPACITY_UNAVAILABLE });
      continue;
    }
    const task = context.runner.launch({
      definition,
      group,
      ...(startedBy !== undefined ? { startedBy } : {}),
      ...(pick !== undefined ? { capacityProviderName: pick } : {}),
      overrides: structuredClone(overrides),
      overrideEnv,
      tags: tags.map((tag) => ({ ...tag })),
    });
    tasks.push(apiTask(scope, task, tags.length > 0));
  }
  const response = { tasks, failures };
  // Only a call that started something binds its token, so a caller may retry a capacity failure.
  if (clientToken !== undefined && tasks.length > 0) {
    context.runTaskTokens.set(clientToken, { fingerprint, response: structuredClone(response) });
  }
  return response;
}

/**
 * Fargate task definitions use the awsvpc network mode, and a task of one needs its subnets (ECS
 * answers InvalidParameterException, with these messages, when they are missing).
 */
function requireAwsvpcNetwork(body: RequestBody): void {
  const awsvpc = optionalObject(optionalObject(body, 'networkConfiguration') ?? {}, 'awsvpcConfiguration');
  if (!awsvpc)
    throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  const subnets = awsvpc.subnets;
  if (!Array.isArray(subnets) || subnets.length === 0) throw invalid('subnets can not be empty.');
}

/**
 * The answer to a clientToken seen before: the same response for the same parameters (nothing new
 * starts), ConflictException naming the tasks for different ones; undefined for a new token.
 */
function replay(
  context: EcsContext,
  clientToken: string,
  fingerprint: string,
): Record<string, unknown> | undefined {
  const previous = context.runTaskTokens.get(clientToken);
  if (!previous) return undefined;
  admitOrThrottle(context, { action: 'RunTask' });
  if (previous.fingerprint === fingerprint) return structuredClone(previous.response);
  const taskArns = (previous.response.tasks as Array<{ taskArn: string }>).map((task) => task.taskArn);
  throw new EcsApiError(
    'ConflictException',
    'The clientToken is already in use with a different RunTask request.',
    {
      fields: { resourceIds: taskArns },
    },
  );
}

/** capacityProviderStrategy (weighted) or launchType FARGATE; by default the FARGATE provider. */
function placementOf(context: EcsContext, body: RequestBody): Placement {
  const launchType = optionalString(body, 'launchType');
  const strategy = objectList(body, 'capacityProviderStrategy');
  if (launchType !== undefined && strategy !== undefined && strategy.length > 0) {
    throw invalid(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  }
  if (launchType !== undefined) {
    if (launchType !== 'FARGATE') {
      throw invalid(
        `The local ECS endpoint runs Fargate tasks only; launchType ${launchType} is not available.`,
      );
    }
    return { pick: () => undefined };
  }
  if (strategy === undefined || strategy.length === 0) return { pick: () => 'FARGATE' };
  const items = strategy.map((item) => {
    const provider = optionalString(item, 'capacityProvider');
    if (provider === undefined || !CAPACITY_PROVIDERS.includes(provider)) {
      throw invalid(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
      );
    }
    const weight = optionalInteger(item, 'weight', { min: 0, max: 1000 }) ?? 0;
    return { provider: provider as CapacityProviderName, weight };
  });
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  const [only] = items;
  if (items.length === 1 && only) return { pick: () => only.provider };
  if (total === 0)
    throw invalid('At least one capacity provider in the strategy must have a weight greater than 0.');
  return {
    pick: () => {
      let draw = context.random() * total;
      for (const item of items) {
        draw -= item.weight;
        if (draw < 0) return item.provider;
      }
      return items[items.length - 1]?.provider;
    },
  };
}

/** The overrides as sent, and the environment they give the task's container. */
function overridesOf(
  body: RequestBody,
  definition: LocalTaskDefinition,
): { overrides: TaskOverrides; overrideEnv: Array<[string, string]> } {
  const given = optionalObject(body, 'overrides');
  if (given === undefined) {
    return { overrides: { containerOverrides: [{ name: definition.containerName }] }, overrideEnv: [] };
  }
  if (JSON.stringify(given).length > OVERRIDES_LIMIT) {
    throw invalid(`Container Overrides length must be at most ${OVERRIDES_LIMIT}`);
  }
  const overrideEnv: Array<[string, string]> = [];
  for (const container of objectList(given, 'containerOverrides') ?? []) {
    const name = optionalString(container, 'name');
    if (name !== definition.containerName) {
      throw invalid(`Override for container named ${name} is not a container in the TaskDefinition.`);
    }
    for (const variable of objectList(container, 'environment') ?? []) {
      const variableName = requiredString(variable, 'name');
      overrideEnv.push([variableName, optionalString(variable, 'value') ?? '']);
    }
  }
  return { overrides: structuredClone(given) as TaskOverrides, overrideEnv };
}

/** Tags as sent, plus ECS managed tags when asked for. */
function tagsOf(body: RequestBody, cluster: string): Tag[] {
  const tags: Tag[] = [];
  const given = objectList(body, 'tags') ?? [];
  if (given.length > 50) throw invalid('A resource can have at most 50 tags.');
  for (const tag of given) {
    const key = requiredString(tag, 'key');
    const value = optionalString(tag, 'value') ?? '';
    if (key.length > 128 || value.length > 256)
      throw invalid('Tag keys have up to 128 characters, values up to 256.');
    if (/^aws:/i.test(key)) throw invalid('Tag keys beginning with aws: are reserved for AWS use.');
    tags.push({ key, value });
  }
  if (optionalBoolean(body, 'enableECSManagedTags'))
    tags.push({ key: 'aws:ecs:clusterName', value: cluster });
  return tags;
}
