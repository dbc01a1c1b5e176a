import { randomBytes } from 'node:crypto';
import { clusterArnOf, type EcsScope, serviceArnOf, taskDefinitionArnOf } from './identifiers';
import { PLATFORM_FAMILY } from './task-events';
import type { TaskProtection } from './task-protection';
import type { TaskRunner } from './task-runner';
import type { EcsThrottle } from './throttle';
import type { TimerSet } from './timer-set';
import {
  CAPACITY_UNAVAILABLE,
  type CapacityProviderName,
  type LocalServiceDefinition,
  type LocalTaskDefinition,
  STOP_CODES,
  type StrategyItem,
  type TaskRecord,
} from './types';

/*
 * The service scheduler: keeps `desiredCount` tasks of each service with desiredStatus RUNNING.
 * A task that exits or is killed is replaced; replacements of tasks that keep failing back off
 * (doubling, up to 30 s), so a command that fails at once does not spin. Scale-in stops only
 * unprotected tasks (stopCode ServiceSchedulerInitiated), tasks not yet RUNNING first, then the
 * newest; protected tasks stay until their protection is removed or expires, and the scheduler
 * then finishes the scale-in if the service is still above its desired count.
 */

export interface ServiceRecord {
  name: string;
  arn: string;
  definition: LocalTaskDefinition;
  /** Where its tasks go: the first `base` on a provider, then by weight (as ECS places them). */
  strategy: StrategyItem[];
  desiredCount: number;
  /** ecs-svc/<19 digits>: the deployment ID, and the startedBy of the service's tasks. */
  deploymentId: string;
  createdAt: Date;
  updatedAt: Date;
  failureStreak: number;
  /** Earliest time (ms) of the next replacement launch. */
  nextLaunchAt: number;
  retryTimer?: NodeJS.Timeout | undefined;
  events: Array<{ id: string; createdAt: Date; message: string }>;
}

export interface ServiceSchedulerOptions {
  scope: EcsScope;
  runner: TaskRunner;
  throttle: EcsThrottle;
  timers: TimerSet;
  protection: TaskProtection;
  /** Fault injection: true when this launch fails for lack of capacity. */
  capacityFails: () => boolean;
  /** Fault injection: true when this FARGATE_SPOT launch fails for lack of Spot capacity. */
  spotCapacityFails: () => boolean;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;
/** A task that ran this long counts as healthy: the next failure starts the backoff over. */
const HEALTHY_RUN_MS = 10_000;
const EVENTS_KEPT = 100;

/** Keeps each service at its desired count; see the comment at the top of the file. */
export class ServiceScheduler {
  private readonly services = new Map<string, ServiceRecord>();
  private readonly stopsSeen = new Set<string>();
  private reconcileQueued = false;

  constructor(
    private readonly options: ServiceSchedulerOptions,
    definitions: ReadonlyMap<string, LocalTaskDefinition>,
    services: readonly LocalServiceDefinition[],
  ) {
    for (const service of services) {
      const definition = definitions.get(service.taskDefinition);
      if (!definition) continue;
      const now = new Date();
      this.services.set(service.name, {
        name: service.name,
        arn: serviceArnOf(options.scope, service.name),
        definition,
        strategy: service.capacityProviderStrategy
          ? service.capacityProviderStrategy.map((item) => ({ ...item }))
          : [{ capacityProvider: service.capacityProvider ?? 'FARGATE', base: 0, weight: 1 }],
        desiredCount: service.desiredCount,
        deploymentId: `ecs-svc/${deploymentNumber()}`,
        createdAt: now,
        updatedAt: now,
        failureStreak: 0,
        nextLaunchAt: 0,
        events: [],
      });
    }
  }

  get(name: string): ServiceRecord | undefined {
    return this.services.get(name);
  }

  /** Brings every service to its desired count. */
  start(): void {
    for (const service of this.services.values()) this.reconcile(service);
  }

  /** Sets the desired count and acts on it at once. */
  setDesiredCount(service: ServiceRecord, desiredCount: number): void {
    service.desiredCount = desiredCount;
    service.updatedAt = new Date();
    service.nextLaunchAt = 0;
    this.reconcile(service);
  }

  /** The runner reports every task change here. */
  onTaskChange(task: TaskRecord): void {
    const service = task.serviceName === undefined ? undefined : this.services.get(task.serviceName);
    if (!service) return;
    if (task.desiredStatus === 'STOPPED' && !this.stopsSeen.has(task.taskId)) {
      this.stopsSeen.add(task.taskId);
      this.noteStop(service, task);
    }
    if (task.lastStatus === 'STOPPED') this.stopsSeen.delete(task.taskId);
    this.queueReconcile();
  }

  /** A protected task was released: a pending scale-in may now proceed. */
  onProtectionReleased(task: TaskRecord): void {
    if (task.serviceName !== undefined) this.queueReconcile();
  }

  /** The Service object of DescribeServices and UpdateService (timestamps as epoch seconds). */
  describe(service: ServiceRecord): Record<string, unknown> {
    const { scope, runner } = this.options;
    const tasks = runner.all().filter((task) => task.serviceName === service.name);
    const runningCount = tasks.filter((task) => task.lastStatus === 'RUNNING').length;
    const pendingCount = tasks.filter(
      (task) =>
        task.desiredStatus === 'RUNNING' &&
        ['PROVISIONING', 'PENDING', 'ACTIVATING'].includes(task.lastStatus),
    ).length;
    const epoch = (date: Date) => date.getTime() / 1000;
    const strategy = service.strategy.map((item) => ({ ...item }));
    const taskDefinition = taskDefinitionArnOf(scope, service.definition.family);
    const steady = runningCount === service.desiredCount && pendingCount === 0;
    return {
      serviceArn: service.arn,
      serviceName: service.name,
      clusterArn: clusterArnOf(scope),
      status: 'ACTIVE',
      desiredCount: service.desiredCount,
      runningCount,
      pendingCount,
      capacityProviderStrategy: strategy,
      platformVersion: 'LATEST',
      platformFamily: PLATFORM_FAMILY,
      taskDefinition,
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
      deployments: [
        {
          id: service.deploymentId,
          status: 'PRIMARY',
          taskDefinition,
          desiredCount: service.desiredCount,
          pendingCount,
          runningCount,
          failedTasks: 0,
          createdAt: epoch(service.createdAt),
          updatedAt: epoch(service.updatedAt),
          capacityProviderStrategy: strategy,
          platformVersion: '1.4.0',
          platformFamily: PLATFORM_FAMILY,
          rolloutState: steady ? 'COMPLETED' : 'IN_PROGRESS',
          rolloutStateReason: `ECS deployment ${service.deploymentId} ${steady ? 'completed' : 'in progress'}.`,
        },
      ],
      events: service.events.map((event) => ({ ...event, createdAt: epoch(event.createdAt) })),
      createdAt: epoch(service.createdAt),
      placementConstraints: [],
      placementStrategy: [],
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
      enableECSManagedTags: false,
      propagateTags: 'NONE',
      enableExecuteCommand: false,
    };
  }

  /** Cancels the scheduler's timers; the runner stops the tasks. */
  close(): void {
    for (const service of this.services.values()) this.options.timers.cancel(service.retryTimer);
  }

  private queueReconcile(): void {
    if (this.reconcileQueued) return;
    this.reconcileQueued = true;
    // Deferred: the runner calls in while it is still changing a task.
    this.options.timers.after(0, () => {
      this.reconcileQueued = false;
      for (const service of this.services.values()) this.reconcile(service);
    });
  }

  private reconcile(service: ServiceRecord): void {
    const { runner, timers } = this.options;
    if (timers.isClosing) return;
    const active = runner
      .all()
      .filter((task) => task.serviceName === service.name && task.desiredStatus === 'RUNNING');
    if (active.length < service.desiredCount) this.scaleOut(service, service.desiredCount - active.length);
    else if (active.length > service.desiredCount) this.scaleIn(service, active);
  }

  private scaleOut(service: ServiceRecord, missing: number): void {
    const { runner } = this.options;
    for (let i = 0; i < missing; i++) {
      const provider = this.placement(service);
      const retryAfter = this.launchBlockedFor(service, provider);
      if (retryAfter > 0) {
        this.retryIn(service, retryAfter);
        return;
      }
      const task = runner.launch({
        definition: service.definition,
        group: `service:${service.name}`,
        startedBy: service.deploymentId,
        serviceName: service.name,
        capacityProviderName: provider,
        overrides: { containerOverrides: [{ name: service.definition.containerName }] },
        overrideEnv: [],
        tags: [],
      });
      this.addEvent(service, `(service ${service.name}) has started 1 tasks: (task ${task.taskId}).`);
    }
  }

  /**
   * The provider of the service's next task: a provider below its base first, then the one furthest
   * below its weighted share of the tasks beyond the bases.
   */
  placement(service: ServiceRecord): CapacityProviderName {
    const active = this.options.runner
      .all()
      .filter((task) => task.serviceName === service.name && task.desiredStatus === 'RUNNING');
    const count = (provider: CapacityProviderName) =>
      active.filter((task) => (task.capacityProviderName ?? 'FARGATE') === provider).length;
    const belowBase = service.strategy.find((item) => count(item.capacityProvider) < item.base);
    if (belowBase) return belowBase.capacityProvider;
    const weighted = service.strategy.filter((item) => item.weight > 0);
    const load = (item: StrategyItem) =>
      (Math.max(0, count(item.capacityProvider) - item.base) + 1) / item.weight;
    const [first, ...rest] = weighted.length > 0 ? weighted : service.strategy;
    const best = rest.reduce((a, b) => (load(b) < load(a) ? b : a), first as StrategyItem);
    return best.capacityProvider;
  }

  /** Milliseconds until the service may launch a task: backoff, no capacity, or launch rate. */
  private launchBlockedFor(service: ServiceRecord, provider: CapacityProviderName): number {
    const { throttle } = this.options;
    const backoff = service.nextLaunchAt - Date.now();
    if (backoff > 0) return backoff;
    if (this.options.capacityFails() || (provider === 'FARGATE_SPOT' && this.options.spotCapacityFails())) {
      this.addEvent(
        service,
        `(service ${service.name}) was unable to place a task. Reason: ${CAPACITY_UNAVAILABLE}.`,
      );
      this.fail(service);
      return service.nextLaunchAt - Date.now();
    }
    if (!throttle.admitLaunch(provider)) return throttle.msUntilLaunch(provider);
    return 0;
  }

  private scaleIn(service: ServiceRecord, active: TaskRecord[]): void {
    const { protection } = this.options;
    const rank = (task: TaskRecord) => (task.lastStatus === 'RUNNING' ? 1 : 0);
    const candidates = active
      .filter((task) => !protection.isProtected(task))
      .sort((a, b) => rank(a) - rank(b) || b.seq - a.seq)
      .slice(0, active.length - service.desiredCount);
    for (const task of candidates) {
      this.options.runner.stop(
        task,
        STOP_CODES.serviceSchedulerInitiated,
        `Scaling activity initiated by (deployment ${service.deploymentId})`,
      );
      this.addEvent(service, `(service ${service.name}) has stopped 1 running tasks: (task ${task.taskId}).`);
    }
  }

  /** Crashes and failed starts lengthen the wait before the next replacement. */
  private noteStop(service: ServiceRecord, task: TaskRecord): void {
    const failed =
      task.stopCode === STOP_CODES.essentialContainerExited || task.stopCode === STOP_CODES.taskFailedToStart;
    if (!failed) return;
    const ranFor = task.startedAt ? Date.now() - task.startedAt.getTime() : 0;
    if (ranFor >= HEALTHY_RUN_MS) service.failureStreak = 0;
    this.fail(service);
  }

  private fail(service: ServiceRecord): void {
    service.failureStreak += 1;
    const delay = Math.min(BACKOFF_BASE_MS * 2 ** (service.failureStreak - 1), BACKOFF_MAX_MS);
    service.nextLaunchAt = Date.now() + delay;
  }

  private retryIn(service: ServiceRecord, ms: number): void {
    const { timers } = this.options;
    timers.cancel(service.retryTimer);
    service.retryTimer = timers.after(Math.max(ms, 1), () => {
      service.retryTimer = undefined;
      this.reconcile(service);
    });
  }

  private addEvent(service: ServiceRecord, message: string): void {
    service.events.unshift({ id: randomBytes(16).toString('hex'), createdAt: new Date(), message });
    service.events.length = Math.min(service.events.length, EVENTS_KEPT);
  }
}

/** The 19-digit number of an ecs-svc/ deployment ID. */
function deploymentNumber(): string {
  const value = randomBytes(8).readBigUInt64BE() % 9_000_000_000_000_000_000n;
  return (value + 1_000_000_000_000_000_000n).toString();
}
