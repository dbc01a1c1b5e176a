import type { DecisionRecord } from '@stevedore/core/ports';
import {
  decideScale,
  decideSpotBase,
  type ScalingMemory,
  type SpotBaseDecision,
} from '@stevedore/core/scaling';
import type { Worker } from '../app';
import type { HandlerDeps } from '../deps';

/*
 * One scaling step for a worker: observe the queue and the service, decide, record the decision in
 * the ledger (only over the decision it was made from, so two deciders never both act), then set the
 * service's desired count when it changes.
 */

/** Observes, decides and acts for one worker; returns the decision, or undefined when another won. */
export async function scaleWorker(
  deps: HandlerDeps,
  worker: Worker,
  trigger: string,
): Promise<DecisionRecord | undefined> {
  const record = await deps.scaling.workerRecord(worker.name, worker.service);
  const [depth, service] = await Promise.all([
    deps.gauge.depth(worker.config.queue),
    deps.scaler.describeService(worker.service),
  ]);
  if (!service) {
    deps.logger.warn('worker service not found', { worker: worker.name, service: worker.service });
    return undefined;
  }
  // The ledger's view of the service's tasks; ECS's own list when the two disagree (a lost event).
  let tasks = Object.keys(record.tasks);
  if (tasks.length !== service.running + service.pending)
    tasks = await deps.scaler.serviceTasks(worker.service);
  const protectedCount = tasks.length > 0 ? await deps.scaler.protectedTasks(tasks) : 0;

  const at = deps.clock.now();
  const observation = {
    ...depth,
    desired: service.desired,
    running: service.running,
    pending: service.pending,
    protected: protectedCount,
  };
  const decision = decideScale(worker.policy, record.memory, { at, ...observation });
  // The on-demand base is decided from the same observation; its memory rides with the count's.
  const spot = decideSpotBase(worker.policy.spot, record.memory.spot ?? {}, {
    at,
    desired: service.desired,
    running: service.running,
    pending: service.pending,
    onDemandBase: service.onDemandBase ?? 0,
    ...(service.lastPlacementFailureAt ? { lastPlacementFailureAt: service.lastPlacementFailureAt } : {}),
  });
  const memory = {
    ...decision.memory,
    ...(Object.keys(spot.memory).length > 0 ? { spot: spot.memory } : {}),
  };
  const decided: DecisionRecord = {
    worker: worker.name,
    service: worker.service,
    at: at.toISOString(),
    observation,
    previous: service.desired,
    desired: decision.desired,
    change: decision.change,
    kind: decision.kind,
    reason: `${trigger}: ${decision.reason}`,
  };
  // Every change is kept as history, but of a run of decisions of one kind that change nothing (a
  // tick every few seconds while idle or holding) only the first. A last decision recorded before
  // decisions had a kind counts as another kind.
  const history = decision.change || decision.kind !== record.lastDecision?.kind;
  if (!(await deps.scaling.recordDecision(decided, memory, record.version, history))) {
    deps.logger.debug('another decision was recorded first', { worker: worker.name });
    return undefined;
  }
  if (spot.decision)
    await changeOnDemandBase(deps, worker, decided, spot.decision, memory, record.version + 1);
  if (decision.change) {
    await deps.scaler.setDesiredCount(worker.service, decision.desired);
    deps.logger.info('scale', {
      worker: worker.name,
      from: service.desired,
      to: decision.desired,
      reason: decided.reason,
    });
  }
  return decided;
}

/**
 * Records the on-demand base's change as a decision of its own (over the count's, so a decider that
 * lost the race does nothing), then sets the service's strategy.
 */
async function changeOnDemandBase(
  deps: HandlerDeps,
  worker: Worker,
  counted: DecisionRecord,
  change: SpotBaseDecision,
  memory: ScalingMemory,
  version: number,
): Promise<void> {
  const decided: DecisionRecord = {
    ...counted,
    previous: counted.desired,
    change: false,
    kind: change.kind,
    reason: change.reason,
    onDemandBase: { previous: change.previous, next: change.base },
  };
  if (!(await deps.scaling.recordDecision(decided, memory, version, true))) return;
  await deps.scaler.setOnDemandBase(worker.service, change.base, worker.policy.spot.spotPercent);
  deps.logger.info('on-demand base', {
    worker: worker.name,
    from: change.previous,
    to: change.base,
    reason: change.reason,
  });
}

/** Every worker observed and scaled once; the first failure is thrown after all have had their turn. */
export async function scaleAll(deps: HandlerDeps, trigger: string): Promise<void> {
  const results = await Promise.allSettled(
    deps.app.workers.map((worker) => scaleWorker(deps, worker, trigger)),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A worker's depth alarm changed state: the fast path. The alarm only says that something changed. */
export async function alarmChanged(deps: HandlerDeps, alarmName: string, state: string): Promise<void> {
  const worker = deps.app.workerOfAlarm(alarmName);
  if (!worker) {
    deps.logger.warn('alarm of no worker', { alarmName });
    return;
  }
  await scaleWorker(deps, worker, `alarm ${state}`);
}

export interface WatchOptions {
  /** Queue polls in this invocation. */
  polls: number;
  intervalMs: number;
  /** A worker is observed in full at least every this many polls, whatever its queue does. */
  fullEvery: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * The scale tick on AWS: one invocation polls every worker's queue depth (GetQueueAttributes, one
 * call) every `intervalMs`, so a burst is decided on within a poll, not a tick. A worker is observed
 * in full (its service, its ledger record, a decision recorded) at the first poll, every `fullEvery`
 * polls, while it waits to activate, and when its backlog grew past what its desired count serves: a
 * scale-out or an activation is decided at once, while scale-in keeps the cadence it always had (denser
 * observations would hold more recent peaks), and a quiet queue costs one SQS call a poll and no
 * ledger write.
 */
export async function watchWorkers(deps: HandlerDeps, options: WatchOptions): Promise<void> {
  const last = new Map<string, { depth: number; desired: number; waiting: boolean; poll: number }>();
  // Polls keep to a schedule from the start (not a pause after each), so an invocation of 60 polls a
  // second apart ends within its minute and the next one carries on without a gap.
  const start = deps.clock.now().getTime();
  for (let poll = 0; poll < options.polls; poll++) {
    if (poll > 0)
      await options.sleep(Math.max(0, start + poll * options.intervalMs - deps.clock.now().getTime()));
    const results = await Promise.allSettled(
      deps.app.workers.map(async (worker) => {
        const seen = last.get(worker.name);
        if (seen && !seen.waiting && poll - seen.poll < options.fullEvery) {
          const depth = await deps.gauge.depth(worker.config.queue);
          const backlog = depth.visible + depth.inFlight;
          const grew =
            backlog > seen.depth && Math.ceil(backlog / worker.policy.messagesPerTask) > seen.desired;
          if (!grew) return;
        }
        const decided = await scaleWorker(deps, worker, 'tick');
        if (!decided) return;
        last.set(worker.name, {
          depth: decided.observation.visible + decided.observation.inFlight,
          desired: decided.desired,
          waiting: decided.kind === 'activation-wait',
          poll,
        });
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
