import { randomBytes, randomUUID } from 'node:crypto';
import { EcsApiError } from '../errors';
import type { LocalTaskDefinition } from './types';

/*
 * ARNs and the references ECS accepts for them: a cluster by name or ARN, a task by ID or ARN
 * (the long format, task/<cluster>/<id>, and the old short one, task/<id>), a task definition by
 * family, family:revision or ARN, a service by name or ARN.
 */

export interface EcsScope {
  region: string;
  accountId: string;
  /** Cluster name. */
  cluster: string;
}

const prefix = (scope: EcsScope) => `arn:aws:ecs:${scope.region}:${scope.accountId}`;

/** arn:aws:ecs:<region>:<account>:cluster/<name> */
export function clusterArnOf(scope: EcsScope): string {
  return `${prefix(scope)}:cluster/${scope.cluster}`;
}

/** The long task ARN format, which Fargate tasks always have. */
export function taskArnOf(scope: EcsScope, taskId: string): string {
  return `${prefix(scope)}:task/${scope.cluster}/${taskId}`;
}

/** Every local task definition has exactly one revision, 1. */
export function taskDefinitionArnOf(scope: EcsScope, family: string): string {
  return `${prefix(scope)}:task-definition/${family}:1`;
}

/** The long service ARN format: service/<cluster>/<name>. */
export function serviceArnOf(scope: EcsScope, name: string): string {
  return `${prefix(scope)}:service/${scope.cluster}/${name}`;
}

/** A fresh container ARN of the task: container/<cluster>/<task ID>/<uuid>. */
export function containerArnOf(scope: EcsScope, taskId: string): string {
  return `${prefix(scope)}:container/${scope.cluster}/${taskId}/${randomUUID()}`;
}

/** A Fargate task ID: 32 lowercase hex digits. */
export function newTaskId(): string {
  return randomBytes(16).toString('hex');
}

/** A locally administered unicast MAC address for the task's ENI. */
export function newMacAddress(): string {
  const bytes = randomBytes(6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The cluster ECS assumes when a request names none. */
export const DEFAULT_CLUSTER = 'default';

/**
 * Throws ClusterNotFoundException unless `cluster` (name or ARN) is this endpoint's cluster. As on
 * AWS, a request that names no cluster is for the `default` cluster.
 */
export function checkCluster(scope: EcsScope, cluster: string | undefined): void {
  const named = cluster === undefined || cluster === '' ? DEFAULT_CLUSTER : cluster;
  if (named === scope.cluster || named === clusterArnOf(scope)) return;
  throw new EcsApiError('ClusterNotFoundException', 'Cluster not found.');
}

/** The task ID a reference names, or undefined when it cannot name a task of this cluster. */
export function taskIdOf(scope: EcsScope, reference: string): string | undefined {
  if (/^[0-9a-f]{32}$/.test(reference)) return reference;
  const longForm = `${prefix(scope)}:task/${scope.cluster}/`;
  const shortForm = `${prefix(scope)}:task/`;
  const id = reference.startsWith(longForm)
    ? reference.slice(longForm.length)
    : reference.startsWith(shortForm)
      ? reference.slice(shortForm.length)
      : undefined;
  return id !== undefined && /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}

/** The task definition a reference names, or undefined. */
export function resolveTaskDefinition(
  scope: EcsScope,
  definitions: ReadonlyMap<string, LocalTaskDefinition>,
  reference: string,
): LocalTaskDefinition | undefined {
  const arnPrefix = `${prefix(scope)}:task-definition/`;
  const familyRevision = reference.startsWith(arnPrefix) ? reference.slice(arnPrefix.length) : reference;
  if (familyRevision.startsWith('arn:')) return undefined;
  const [family, revision, ...rest] = familyRevision.split(':');
  if (rest.length > 0 || family === undefined) return undefined;
  if (revision !== undefined && revision !== '1') return undefined;
  if (reference.startsWith(arnPrefix) && revision === undefined) return undefined;
  return definitions.get(family);
}

/** The service name a reference (name or ARN, long or short format) names. */
export function serviceNameOf(scope: EcsScope, reference: string): string {
  for (const form of [`${prefix(scope)}:service/${scope.cluster}/`, `${prefix(scope)}:service/`]) {
    if (reference.startsWith(form)) return reference.slice(form.length);
  }
  return reference;
}
