import { createHash, randomUUID } from 'node:crypto';
import type { EcsScope } from './identifiers';
import { clusterArnOf } from './identifiers';
import type { TaskRecord } from './types';

/*
 * One task record, three renderings: the Task object of the ECS API (timestamps as epoch seconds),
 * the `detail` of an "ECS Task State Change" event (timestamps as ISO strings), and the event
 * envelope around it. Field names and nesting follow the Task data type of the ECS API Reference
 * and the events in test/fixtures/events/ecs/.
 */

/** Fargate platform version and family reported on every task. */
export const PLATFORM_VERSION = '1.4.0';
export const PLATFORM_FAMILY = 'Linux';
/** Locally every task's "ENI" is the loopback interface. */
const PRIVATE_IP = '127.0.0.1';

type Value = string | number | boolean | Date | undefined | Value[] | { [key: string]: Value };

/** The task with Date values; undefined members are dropped when rendered. */
function taskShape(scope: EcsScope, task: TaskRecord, containerExtras: Record<string, Value>) {
  const def = task.definition;
  const networkInterfaces = [{ attachmentId: task.attachmentId, privateIpv4Address: PRIVATE_IP }];
  const container: Record<string, Value> = {
    containerArn: task.containerArn,
    taskArn: task.taskArn,
    name: def.containerName,
    image: def.image,
    imageDigest: task.pullStoppedAt ? imageDigest(def.image) : undefined,
    runtimeId: task.runtimeId,
    lastStatus: task.containerStatus,
    exitCode: task.exitCode,
    reason: task.containerReason,
    networkInterfaces,
    cpu: '0',
    ...containerExtras,
  };
  const shape: Record<string, Value> = {
    attachments: [
      {
        id: task.attachmentId,
        type: 'eni',
        status: task.attachmentStatus,
        details: [
          { name: 'subnetId', value: 'subnet-local' },
          { name: 'networkInterfaceId', value: task.eniId },
          { name: 'macAddress', value: task.macAddress },
          { name: 'privateIPv4Address', value: PRIVATE_IP },
        ],
      },
    ],
    attributes: [{ name: 'ecs.cpu-architecture', value: def.architecture }],
    availabilityZone: `${scope.region}a`,
    capacityProviderName: task.capacityProviderName,
    clusterArn: clusterArnOf(scope),
    connectivity: task.connectivityAt ? 'CONNECTED' : undefined,
    connectivityAt: task.connectivityAt,
    containers: [container],
    cpu: String(def.cpu),
    createdAt: task.createdAt,
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: false,
    ephemeralStorage: { sizeInGiB: 20 },
    executionStoppedAt: task.executionStoppedAt,
    group: task.group,
    launchType: 'FARGATE',
    lastStatus: task.lastStatus,
    memory: String(def.memory),
    // render() copies it: the task's own overrides never leave with a response or an event.
    overrides: task.overrides as Value,
    platformVersion: PLATFORM_VERSION,
    platformFamily: PLATFORM_FAMILY,
    pullStartedAt: task.pullStartedAt,
    pullStoppedAt: task.pullStoppedAt,
    startedAt: task.startedAt,
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: task.stoppedAt,
    stoppedReason: task.stoppedReason,
    stoppingAt: task.stoppingAt,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: task.version,
  };
  return shape;
}

/** The Task object as RunTask, DescribeTasks and StopTask return it. */
export function apiTask(scope: EcsScope, task: TaskRecord, includeTags: boolean): Record<string, unknown> {
  const shape = taskShape(scope, task, { networkBindings: [], healthStatus: 'UNKNOWN' });
  shape.healthStatus = 'UNKNOWN';
  if (includeTags) shape.tags = task.tags.map((tag) => ({ ...tag }));
  return render(shape, (date) => date.getTime() / 1000) as Record<string, unknown>;
}

/** An "ECS Task State Change" event for the task's current state. */
export function taskStateChangeEvent(scope: EcsScope, task: TaskRecord): Record<string, unknown> {
  // The event's detail has `updatedAt`; the API's Task shape (RunTask, DescribeTasks) does not.
  const detail = render({ ...taskShape(scope, task, {}), updatedAt: task.updatedAt }, (date) =>
    date.toISOString(),
  );
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: scope.accountId,
    // EventBridge's `time` has whole seconds.
    time: `${task.updatedAt.toISOString().slice(0, 19)}Z`,
    region: scope.region,
    resources: [task.taskArn],
    detail,
  };
}

/**
 * What an "ECS Task State Change" event for the task's current state will hold in the fields a rule
 * routes by, known without building it (see mayMatchPattern): the envelope and the detail's scalar
 * members taken straight from the record. A member the event will not have is present here as
 * undefined; one left out here (times, containers, attachments...) is unknown. Each value is the one
 * taskStateChangeEvent renders, which test/unit/local/task-events.test.ts holds it to.
 */
export function taskStateChangeRouting(scope: EcsScope, task: TaskRecord): Record<string, unknown> {
  return {
    version: '0',
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: scope.accountId,
    region: scope.region,
    resources: [task.taskArn],
    detail: {
      availabilityZone: `${scope.region}a`,
      capacityProviderName: task.capacityProviderName,
      clusterArn: clusterArnOf(scope),
      cpu: String(task.definition.cpu),
      desiredStatus: task.desiredStatus,
      group: task.group,
      launchType: 'FARGATE',
      lastStatus: task.lastStatus,
      memory: String(task.definition.memory),
      startedBy: task.startedBy,
      stopCode: task.stopCode,
      stoppedReason: task.stoppedReason,
      taskArn: task.taskArn,
      taskDefinitionArn: task.taskDefinitionArn,
      version: task.version,
    },
  };
}

/** Digests by image: a task's every event after the pull reports one, and a burst runs one image. */
const IMAGE_DIGESTS = new Map<string, string>();

/**
 * A stable, plausible digest: the same image always reports the same one. Remembered, since hashing
 * it again for each event was a visible share of the local ECS's CPU in a launch burst.
 */
function imageDigest(image: string): string {
  let digest = IMAGE_DIGESTS.get(image);
  if (digest === undefined) {
    digest = `sha256:${createHash('sha256').update(image).digest('hex')}`;
    IMAGE_DIGESTS.set(image, digest);
  }
  return digest;
}

/** Deep copy with Dates converted and undefined members left out. */
function render(value: Value, date: (d: Date) => string | number): unknown {
  if (value instanceof Date) return date(value);
  if (Array.isArray(value)) return value.map((item) => render(item, date));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) out[key] = render(member, date);
    }
    return out;
  }
  return value;
}
