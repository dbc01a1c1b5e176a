import * as v from 'valibot';
import type { TaskSnapshot } from '../job/task-snapshot';
import { envelope, isoTime, parseEvent } from './parse-event';

/** ECS "Task State Change": strict on the fields Stevedore reads, tolerant of everything else. */
const ContainerSchema = v.looseObject({
  name: v.string('expected the container name'),
  lastStatus: v.optional(v.string()),
  exitCode: v.optional(
    v.pipe(v.number('expected an integer exit code'), v.integer('expected an integer exit code')),
  ),
  reason: v.optional(v.string()),
});

const EnvironmentSchema = v.array(v.looseObject({ name: v.string(), value: v.optional(v.string()) }));

export const TaskStateChangeDetailSchema = v.looseObject({
  taskArn: v.pipe(v.string('expected the task ARN'), v.startsWith('arn:', 'expected the task ARN')),
  clusterArn: v.string('expected the cluster ARN'),
  taskDefinitionArn: v.optional(v.string()),
  version: v.pipe(
    v.number('expected a version number'),
    v.integer('expected a version number'),
    v.minValue(0),
  ),
  lastStatus: v.string('expected lastStatus'),
  desiredStatus: v.string('expected desiredStatus'),
  startedBy: v.optional(v.string()),
  group: v.optional(v.string()),
  stopCode: v.optional(v.string()),
  stoppedReason: v.optional(v.string()),
  containers: v.optional(v.array(ContainerSchema, 'expected a list of containers'), []),
  overrides: v.optional(
    v.looseObject({
      containerOverrides: v.optional(
        v.array(v.looseObject({ name: v.optional(v.string()), environment: v.optional(EnvironmentSchema) })),
      ),
    }),
  ),
  cpu: v.optional(v.string()),
  memory: v.optional(v.string()),
  capacityProviderName: v.optional(v.string()),
  launchType: v.optional(v.string()),
  platformVersion: v.optional(v.string()),
  createdAt: v.optional(isoTime),
  pullStartedAt: v.optional(isoTime),
  pullStoppedAt: v.optional(isoTime),
  startedAt: v.optional(isoTime),
  stoppingAt: v.optional(isoTime),
  stoppedAt: v.optional(isoTime),
});

export const TaskStateChangeSchema = envelope(
  'aws.ecs',
  'ECS Task State Change',
  TaskStateChangeDetailSchema,
);
export type TaskStateChangeEvent = v.InferOutput<typeof TaskStateChangeSchema>;
export type TaskStateChangeDetail = v.InferOutput<typeof TaskStateChangeDetailSchema>;

/** Validates an ECS Task State Change event; throws MalformedEventError. */
export function parseTaskStateChange(event: unknown): TaskStateChangeEvent {
  return parseEvent('ECS Task State Change', TaskStateChangeSchema, event);
}

/** The task as Stevedore sees it, from an event's detail. */
export function snapshotOfDetail(detail: TaskStateChangeDetail): TaskSnapshot {
  const overrideEnv: Record<string, string> = {};
  for (const container of detail.overrides?.containerOverrides ?? []) {
    for (const { name, value } of container.environment ?? [])
      if (value !== undefined) overrideEnv[name] = value;
  }
  const snapshot: TaskSnapshot = {
    taskArn: detail.taskArn,
    clusterArn: detail.clusterArn,
    version: detail.version,
    lastStatus: detail.lastStatus,
    desiredStatus: detail.desiredStatus,
    overrideEnv,
    containers: detail.containers.map((c) => ({
      name: c.name,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
    })),
  };
  const optionalText = [
    'taskDefinitionArn',
    'startedBy',
    'group',
    'stopCode',
    'stoppedReason',
    'capacityProviderName',
    'launchType',
    'platformVersion',
    'createdAt',
    'pullStartedAt',
    'pullStoppedAt',
    'startedAt',
    'stoppingAt',
    'stoppedAt',
  ] as const;
  for (const key of optionalText) {
    const value = detail[key];
    if (value !== undefined) snapshot[key] = value;
  }
  const cpu = Number(detail.cpu);
  const memory = Number(detail.memory);
  if (detail.cpu !== undefined && Number.isFinite(cpu)) snapshot.cpu = cpu;
  if (detail.memory !== undefined && Number.isFinite(memory)) snapshot.memory = memory;
  return snapshot;
}
