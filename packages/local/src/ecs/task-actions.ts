import { EcsApiError } from '../errors';
import type { EcsContext } from './ecs-context';
import {
  checkCluster,
  resolveTaskDefinition,
  serviceNameOf,
  taskDefinitionArnOf,
  taskIdOf,
} from './identifiers';
import {
  optionalInteger,
  optionalString,
  type RequestBody,
  requiredString,
  stringList,
} from './request-fields';
import { apiTask } from './task-events';
import { STOP_CODES, type TaskRecord } from './types';

/*
 * StopTask, DescribeTasks, ListTasks and DescribeTaskDefinition, with the limits and messages of
 * the ECS API Reference: DescribeTasks takes "a list of up to 100 task IDs or full ARN entries";
 * ListTasks' maxResults is 1 to 100 (default 100) and desiredStatus defaults to RUNNING; a StopTask
 * reason has up to 255 characters.
 */

const DESCRIBE_LIMIT = 100;
const STOP_REASON_LIMIT = 255;
const invalid = (message: string) => new EcsApiError('InvalidParameterException', message);

/** Handles StopTask: desiredStatus STOPPED at once, the process gets SIGTERM. */
export function stopTask(context: EcsContext, body: RequestBody): Record<string, unknown> {
  checkCluster(context.scope, optionalString(body, 'cluster'));
  const task = findTask(context, requiredString(body, 'task'));
  if (!task) throw invalid('The referenced task was not found.');
  const reason = optionalString(body, 'reason');
  if (reason !== undefined && reason.length > STOP_REASON_LIMIT) {
    throw invalid(`reason can have up to ${STOP_REASON_LIMIT} characters.`);
  }
  context.runner.stop(task, STOP_CODES.userInitiated, reason ?? 'Task stopped by user');
  return { task: apiTask(context.scope, task, false) };
}

/** Handles DescribeTasks: unknown tasks are failures with reason MISSING. */
export function describeTasks(context: EcsContext, body: RequestBody): Record<string, unknown> {
  checkCluster(context.scope, optionalString(body, 'cluster'));
  const references = stringList(body, 'tasks', { max: DESCRIBE_LIMIT, required: true, label: 'Tasks' }) ?? [];
  const includeTags = (stringList(body, 'include', { max: 1, required: false }) ?? []).includes('TAGS');
  const tasks: Record<string, unknown>[] = [];
  const failures: Array<{ arn: string; reason: string }> = [];
  for (const reference of references) {
    const task = findTask(context, reference);
    if (task) tasks.push(apiTask(context.scope, task, includeTags));
    else failures.push({ arn: reference, reason: 'MISSING' });
  }
  return { tasks, failures };
}

/** Handles ListTasks, with nextToken pagination over the tasks in creation order. */
export function listTasks(context: EcsContext, body: RequestBody): Record<string, unknown> {
  checkCluster(context.scope, optionalString(body, 'cluster'));
  const family = optionalString(body, 'family');
  const startedBy = optionalString(body, 'startedBy');
  const service = optionalString(body, 'serviceName');
  const serviceName = service === undefined ? undefined : serviceNameOf(context.scope, service);
  if (serviceName !== undefined && !context.scheduler.get(serviceName)) {
    throw new EcsApiError('ServiceNotFoundException', 'Service not found.');
  }
  const desiredStatus = optionalString(body, 'desiredStatus') ?? 'RUNNING';
  if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) {
    throw invalid('desiredStatus must be RUNNING, PENDING or STOPPED.');
  }
  const launchType = optionalString(body, 'launchType');
  const containerInstance = optionalString(body, 'containerInstance');
  const maxResults = optionalInteger(body, 'maxResults', { min: 1, max: 100 }) ?? 100;
  const after = pageStart(optionalString(body, 'nextToken'));

  const matching = context.runner
    .all()
    .filter(
      (task) =>
        task.desiredStatus === desiredStatus &&
        (family === undefined || task.definition.family === family) &&
        (startedBy === undefined || task.startedBy === startedBy) &&
        (serviceName === undefined || task.serviceName === serviceName) &&
        (launchType === undefined || launchType === 'FARGATE') &&
        // Fargate tasks run on no container instance.
        containerInstance === undefined,
    )
    .filter((task) => task.seq > after);
  const page = matching.slice(0, maxResults);
  const last = page[page.length - 1];
  return {
    taskArns: page.map((task) => task.taskArn),
    ...(matching.length > page.length && last ? { nextToken: pageToken(last) } : {}),
  };
}

/** Handles DescribeTaskDefinition for the configured families (revision 1). */
export function describeTaskDefinition(context: EcsContext, body: RequestBody): Record<string, unknown> {
  const definition = resolveTaskDefinition(
    context.scope,
    context.definitions,
    requiredString(body, 'taskDefinition'),
  );
  if (!definition) throw new EcsApiError('ClientException', 'Unable to describe task definition.');
  const includeTags = (stringList(body, 'include', { max: 1, required: false }) ?? []).includes('TAGS');
  const cpuArchitecture = definition.architecture === 'arm64' ? 'ARM64' : 'X86_64';
  return {
    taskDefinition: {
      taskDefinitionArn: taskDefinitionArnOf(context.scope, definition.family),
      family: definition.family,
      revision: 1,
      status: 'ACTIVE',
      containerDefinitions: [
        {
          name: definition.containerName,
          image: definition.image,
          cpu: 0,
          essential: true,
          environment: Object.entries(definition.env).map(([name, value]) => ({ name, value })),
          // References only, as ECS describes them: the values are read when a task starts.
          ...(definition.secrets
            ? {
                secrets: Object.entries(definition.secrets).map(([name, valueFrom]) => ({ name, valueFrom })),
              }
            : {}),
          stopTimeout: definition.stopTimeout,
          portMappings: [],
          mountPoints: [],
          volumesFrom: [],
        },
      ],
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      compatibilities: ['EC2', 'FARGATE'],
      runtimePlatform: { cpuArchitecture, operatingSystemFamily: 'LINUX' },
      cpu: String(definition.cpu),
      memory: String(definition.memory),
      volumes: [],
      placementConstraints: [],
    },
    ...(includeTags ? { tags: [] } : {}),
  };
}

/** A task of this endpoint by ID or ARN. */
export function findTask(context: EcsContext, reference: string): TaskRecord | undefined {
  const taskId = taskIdOf(context.scope, reference);
  return taskId === undefined ? undefined : context.runner.get(taskId);
}

/** An opaque token: the creation sequence of the last task listed. */
function pageToken(task: TaskRecord): string {
  return Buffer.from(JSON.stringify({ after: task.seq })).toString('base64url');
}

function pageStart(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const { after } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'number' && Number.isInteger(after) && after >= 0) return after;
  } catch {
    // Falls through to the error below: any unreadable token is invalid.
  }
  throw invalid('Invalid nextToken.');
}
