import { randomUUID } from 'node:crypto';
import { EcsApiError } from '../errors';
import { admitOrThrottle, type EcsContext } from './ecs-context';
import { clusterArnOf } from './identifiers';
import { isObject } from './request-fields';
import type { ProtectionResult } from './task-protection';
import type { TaskRecord } from './types';

/*
 * What a container reaches through ECS_AGENT_URI and ECS_CONTAINER_METADATA_URI_V4.
 *
 * The task scale-in protection endpoint answers like the ECS agent's handler
 * (amazon-ecs-agent, ecs-agent/tmds/handlers/taskprotection/v1): PUT takes
 * {"ProtectionEnabled": bool, "ExpiresInMinutes": n} (unknown fields refused) and both methods
 * answer {"protection": {"ExpirationDate", "ProtectionEnabled", "TaskArn"}}, {"failure": {...}}
 * or {"error": {"Arn", "Code", "Message"}}. The agent calls UpdateTaskProtection /
 * GetTaskProtection, so the same rules and throttling apply.
 *
 * The metadata endpoint serves a small subset of task metadata v4: the container at /v4/<id> and
 * the task at /v4/<id>/task.
 */

export interface AgentResponse {
  status: number;
  body: unknown;
}

const PROTECTION_PATH = /^\/api\/([0-9a-f]{32})\/task-protection\/v1\/state$/;
const METADATA_PATH = /^\/v4\/([0-9a-f]{32})(\/task)?$/;

/** True when the path belongs to the agent or metadata endpoints. */
export function isAgentPath(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/v4/');
}

/** Answers one agent or metadata request. */
export function handleAgentRequest(
  context: EcsContext,
  method: string,
  path: string,
  rawBody: string,
): AgentResponse {
  const protection = PROTECTION_PATH.exec(path);
  if (protection?.[1] !== undefined) return taskProtection(context, method, protection[1], rawBody);
  const metadata = METADATA_PATH.exec(path);
  if (metadata?.[1] !== undefined && method === 'GET') {
    const task = context.runner.get(metadata[1]);
    if (!task) return { status: 404, body: { error: 'Unable to find the task for the request' } };
    return {
      status: 200,
      body: metadata[2] ? taskMetadata(context, task) : containerMetadata(context, task),
    };
  }
  return { status: 404, body: { error: `no agent route for ${method} ${path}` } };
}

function taskProtection(context: EcsContext, method: string, taskId: string, rawBody: string): AgentResponse {
  let request: { enabled?: boolean; minutes?: number } = {};
  if (method === 'PUT') {
    const decoded = decodeProtectionRequest(rawBody);
    if (!decoded) {
      return errorResponse(
        400,
        '',
        'InvalidParameterException',
        'UpdateTaskProtection: failed to decode request',
      );
    }
    request = decoded;
  } else if (method !== 'GET') {
    return { status: 405, body: { error: `method ${method} not allowed` } };
  }
  const task = context.runner.get(taskId);
  if (!task)
    return errorResponse(404, '', 'ResourceNotFoundException', 'Failed to find a task for the request');
  if (method === 'PUT' && request.enabled === undefined) {
    return errorResponse(
      400,
      task.taskArn,
      'InvalidParameterException',
      "Invalid request: does not contain 'ProtectionEnabled' field",
    );
  }
  let result: ProtectionResult;
  try {
    if (method === 'PUT') {
      admitOrThrottle(context, { action: 'UpdateTaskProtection' });
      result = context.protection.update([task.taskArn], request.enabled === true, request.minutes);
    } else {
      admitOrThrottle(context, { action: 'GetTaskProtection' });
      result = context.protection.get([task.taskArn]);
    }
  } catch (error) {
    if (!(error instanceof EcsApiError)) throw error;
    return {
      status: error.status,
      body: { requestID: randomUUID(), ...errorBody(task.taskArn, error.code, error.message) },
    };
  }
  const [failure] = result.failures;
  if (failure) {
    return {
      status: 200,
      body: { failure: { Arn: failure.arn, Detail: failure.detail ?? null, Reason: failure.reason } },
    };
  }
  const [entry] = result.protectedTasks;
  return {
    status: 200,
    body: {
      protection: {
        ExpirationDate: entry?.expirationDate?.toISOString() ?? null,
        ProtectionEnabled: entry?.protectionEnabled ?? false,
        TaskArn: task.taskArn,
      },
    },
  };
}

/** Go's encoding/json matches field names case-insensitively; the agent refuses unknown fields. */
function decodeProtectionRequest(rawBody: string): { enabled?: boolean; minutes?: number } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const request: { enabled?: boolean; minutes?: number } = {};
  for (const [key, value] of Object.entries(parsed)) {
    const field = key.toLowerCase();
    if (field === 'protectionenabled' && (typeof value === 'boolean' || value === null)) {
      if (value !== null) request.enabled = value;
    } else if (field === 'expiresinminutes' && (Number.isInteger(value) || value === null)) {
      if (value !== null) request.minutes = value as number;
    } else {
      return undefined;
    }
  }
  return request;
}

function errorResponse(status: number, arn: string, code: string, message: string): AgentResponse {
  return { status, body: errorBody(arn, code, message) };
}

function errorBody(arn: string, code: string, message: string) {
  return { error: { ...(arn ? { Arn: arn } : {}), Code: code, Message: message } };
}

function containerMetadata(context: EcsContext, task: TaskRecord): Record<string, unknown> {
  const def = task.definition;
  return {
    DockerId: task.runtimeId ?? '',
    Name: def.containerName,
    DockerName: def.containerName,
    Image: def.image,
    Labels: {
      'com.amazonaws.ecs.cluster': clusterArnOf(context.scope),
      'com.amazonaws.ecs.container-name': def.containerName,
      'com.amazonaws.ecs.task-arn': task.taskArn,
      'com.amazonaws.ecs.task-definition-family': def.family,
      'com.amazonaws.ecs.task-definition-version': '1',
    },
    DesiredStatus: task.desiredStatus,
    KnownStatus: task.containerStatus,
    ...(task.exitCode !== undefined ? { ExitCode: task.exitCode } : {}),
    Limits: { CPU: 0 },
    ...(task.startedAt ? { StartedAt: task.startedAt.toISOString() } : {}),
    Type: 'NORMAL',
    ContainerARN: task.containerArn,
    Networks: [
      {
        NetworkMode: 'awsvpc',
        IPv4Addresses: ['127.0.0.1'],
        AttachmentIndex: 0,
        MACAddress: task.macAddress,
        PrivateDNSName: 'localhost',
      },
    ],
  };
}

function taskMetadata(context: EcsContext, task: TaskRecord): Record<string, unknown> {
  return {
    Cluster: clusterArnOf(context.scope),
    TaskARN: task.taskArn,
    Family: task.definition.family,
    Revision: '1',
    DesiredStatus: task.desiredStatus,
    KnownStatus: task.lastStatus,
    Limits: { CPU: task.definition.cpu / 1024, Memory: task.definition.memory },
    ...(task.pullStartedAt ? { PullStartedAt: task.pullStartedAt.toISOString() } : {}),
    ...(task.pullStoppedAt ? { PullStoppedAt: task.pullStoppedAt.toISOString() } : {}),
    AvailabilityZone: `${context.scope.region}a`,
    LaunchType: 'FARGATE',
    Containers: [containerMetadata(context, task)],
  };
}
