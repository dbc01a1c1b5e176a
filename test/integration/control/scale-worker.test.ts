import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type HandlerDeps, scaleAll, scaleWorker, type Worker } from '@stevedore/control';
import type { DecisionRecord, QueueDepth, QueueGauge } from '@stevedore/core/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueAlarm } from '../../../functions/queue-alarm';
import { scaleTick } from '../../../functions/scale-tick';
import { taskStateChange } from '../../../functions/task-state-change';
import { freshLedgerTable, localDynamoClient } from '../../support/dynamodb';
import { loadEvent } from '../../support/fixtures';
import {
  MAILER,
  NAMES,
  newServiceTaskArn,
  RESIZER,
  recordingLogger,
  scalingDeps,
  serviceTaskEvent,
  type TestClock,
  TestQueues,
  TestServices,
  testClock,
} from '../../support/scaling-world';

/*
 * Worker scaling (packages/control/src/workers/scale-worker.ts) through the scale-tick and
 * queue-alarm functions, on a real ledger table in DynamoDB Local: what a user sees is the desired
 * count their service is given and the decisions `stevedore workers` lists. SQS depths and the ECS
 * services are small in-memory ports the tests set, and that record every desired count set.
 */

let dynamo: DynamoDBClient;
const opened: Array<() => void> = [];
beforeAll(() => {
  dynamo = localDynamoClient();
});
afterAll(() => {
  for (const close of opened) close();
  dynamo.destroy();
});

interface World {
  deps: HandlerDeps;
  table: string;
  queues: TestQueues;
  services: TestServices;
  clock: TestClock;
  logger: ReturnType<typeof recordingLogger>;
}

/** Deps on a fresh ledger table, with both workers' services at zero unless the test adds them otherwise. */
async function world(): Promise<World> {
  const table = await freshLedgerTable(dynamo);
  const queues = new TestQueues();
  const services = new TestServices();
  services.add(MAILER.service);
  services.add(RESIZER.service);
  const clock = testClock();
  const logger = recordingLogger();
  return {
    deps: sharing({ table, queues, services, clock }, logger),
    table,
    queues,
    services,
    clock,
    logger,
  };
}

/** Another function's deps (another Lambda container) on the same ledger, queues and services. */
function sharing(
  w: Pick<World, 'table' | 'queues' | 'services' | 'clock'>,
  logger = recordingLogger(),
  gauge: QueueGauge = w.queues,
): HandlerDeps {
  const { deps, close } = scalingDeps({
    dynamo,
    table: w.table,
    gauge,
    scaler: w.services,
    clock: w.clock,
    logger,
  });
  opened.push(close);
  return deps;
}

/** The depth alarm of a worker changed state: the real CloudWatch sample with its name and state. */
function alarmEvent(alarmName: string, state: 'ALARM' | 'OK'): Record<string, unknown> {
  const event = loadEvent('cloudwatch', 'alarm-state-change');
  const detail = event.detail as { alarmName: string; state: { value: string } };
  detail.alarmName = alarmName;
  detail.state.value = state;
  event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`];
  return event;
}

const tick = (deps: HandlerDeps, observations = 1) => scaleTick(deps, { observations, intervalMs: 1 })({});

async function decisionsOf(deps: HandlerDeps, service: string): Promise<DecisionRecord[]> {
  return (await deps.scaling.decisions(service)).decisions;
}

function workerOf(deps: HandlerDeps, name: string): Worker {
  const worker = deps.app.workers.find((w) => w.name === name);
  if (!worker) throw new Error(`no worker ${name} in the test config`);
  return worker;
}

const EMPTY = { visible: 0, inFlight: 0, delayed: 0, desired: 0, running: 0, pending: 0, protected: 0 };

describe('leaving zero: the activation rule, remembered in the ledger', () => {
  it('a backlog seen once waits; seen again, by the alarm function on the same ledger, gets the tasks it needs', async () => {
    const w = await world();
    w.queues.set(MAILER.queue, { visible: 25 });

    await tick(w.deps);
    const afterTick = [...w.services.sets];
    w.clock.advance(10);
    await queueAlarm(sharing(w))(alarmEvent(NAMES.depthAlarm('mailer'), 'ALARM'));

    expect(afterTick).toEqual([]);
    expect(w.services.sets).toEqual([{ service: MAILER.service, desired: 3 }]);
    const decisions = await decisionsOf(w.deps, MAILER.service);
    expect(decisions).toMatchObject([
      { worker: 'mailer', previous: 0, desired: 3, change: true, observation: { ...EMPTY, visible: 25 } },
      { worker: 'mailer', previous: 0, desired: 0, change: false, observation: { ...EMPTY, visible: 25 } },
    ]);
    // Newest first, and each says when it was made.
    expect(Date.parse(decisions[0]?.at ?? '')).toBeGreaterThan(Date.parse(decisions[1]?.at ?? ''));
  });

  it('one tick that observes twice activates a standing backlog; an idle worker stays at zero, its idle observations kept once', async () => {
    const w = await world();
    w.queues.set(MAILER.queue, { visible: 41, inFlight: 0, delayed: 7 });

    await tick(w.deps, 2);

    expect(w.services.sets).toEqual([{ service: MAILER.service, desired: 5 }]);
    expect(w.services.desiredOf(RESIZER.service)).toBe(0);
    expect((await decisionsOf(w.deps, RESIZER.service)).map((d) => [d.desired, d.change])).toEqual([
      [0, false],
    ]);
  });

  it('a blip gone by the next observation starts nothing, and a later backlog waits for two observations again', async () => {
    const w = await world();
    const observe = async (visible: number) => {
      w.queues.set(MAILER.queue, { visible });
      w.clock.advance(10);
      await tick(w.deps);
      return w.services.desiredOf(MAILER.service);
    };

    const counts = [await observe(4), await observe(0), await observe(4), await observe(4)];

    expect(counts).toEqual([0, 0, 0, 1]);
    expect(w.services.sets).toEqual([{ service: MAILER.service, desired: 1 }]);
  });
});

describe('a tick that polls between full observations', () => {
  it('reads only a quiet queue’s depth between them, and decides on a burst at the poll that sees it', async () => {
    const w = await world();
    // The mailer's burst lands between the tick's second and third polls.
    const reads = new Map<string, number>();
    const gauge: QueueGauge = {
      depth: async (queue) => {
        reads.set(queue, (reads.get(queue) ?? 0) + 1);
        if (queue === MAILER.queue && reads.get(queue) === 3) w.queues.set(MAILER.queue, { visible: 41 });
        return w.queues.depth(queue);
      },
    };
    const deps = sharing(w, recordingLogger(), gauge);

    await scaleTick(deps, { observations: 5, intervalMs: 1, fullEvery: 10 })({});

    // Poll 3 saw the burst and observed in full; poll 4's second observation activated.
    expect(w.services.sets).toEqual([{ service: MAILER.service, desired: 5 }]);
    // The idle resizer: one full observation, then a depth read per poll, and one decision kept.
    expect(reads.get(RESIZER.queue)).toBe(5);
    expect((await decisionsOf(deps, RESIZER.service)).map((d) => d.kind)).toEqual(['idle']);
    // The mailer: full at polls 1, 3 (its cheap read saw the backlog grow) and 4 (activation's second
    // observation); cheap reads at 2, 3 and 5.
    expect(reads.get(MAILER.queue)).toBe(6);
  });
});

describe('two deciders at once', () => {
  it('when both decided from the same record, the second to record is refused and sets nothing', async () => {
    const w = await world();
    w.queues.set(RESIZER.queue, { visible: 12 });
    // Each decider's queue read is held, so both have read the ledger's record before either records.
    const tickGauge = heldGauge(w.queues);
    const alarmGauge = heldGauge(w.queues);
    const resizer = workerOf(w.deps, 'resizer');

    const first = scaleWorker(sharing(w, recordingLogger(), tickGauge), resizer, 'tick');
    const second = scaleWorker(sharing(w, recordingLogger(), alarmGauge), resizer, 'alarm ALARM');
    await Promise.all([tickGauge.reached, alarmGauge.reached]);
    tickGauge.release();
    const firstDecision = await first;
    alarmGauge.release();
    const secondDecision = await second;

    expect(firstDecision).toMatchObject({ previous: 0, desired: 3, change: true });
    expect(secondDecision).toBeUndefined();
    expect(w.services.sets).toEqual([{ service: RESIZER.service, desired: 3 }]);
    expect(await decisionsOf(w.deps, RESIZER.service)).toEqual([firstDecision]);
  });
});

describe('scale-in waits for the tasks that hold messages', () => {
  it('counts protection on the tasks the ledger saw start, and scales in once they let go', async () => {
    const w = await world();
    const tasks = [newServiceTaskArn(), newServiceTaskArn()];
    w.services.add(MAILER.service, tasks, tasks);
    const events = taskStateChange(w.deps);
    for (const taskArn of tasks) await events(serviceTaskEvent(MAILER.service, taskArn, 'RUNNING', 4));

    await tick(w.deps);
    const held = w.services.desiredOf(MAILER.service);
    w.services.protect(MAILER.service, []);
    w.clock.advance(61); // past the scale-in window
    await tick(w.deps);

    expect(held).toBe(2);
    expect(w.services.sets).toEqual([{ service: MAILER.service, desired: 0 }]);
    // The ledger's view agreed with ECS's counts: no ListTasks was needed.
    expect(w.services.listed).toEqual([]);
    const [latest, first] = await decisionsOf(w.deps, MAILER.service);
    expect(first).toMatchObject({ desired: 2, change: false, observation: { running: 2, protected: 2 } });
    expect(latest).toMatchObject({ previous: 2, desired: 0, change: true, observation: { protected: 0 } });
  });

  it('asks ECS for the service’s tasks when the ledger missed their events, and still keeps the protected ones', async () => {
    const w = await world();
    const tasks = [newServiceTaskArn(), newServiceTaskArn(), newServiceTaskArn()];
    w.services.add(MAILER.service, tasks, tasks.slice(0, 2));

    await tick(w.deps);

    expect(w.services.listed).toEqual([MAILER.service]);
    expect(w.services.sets).toEqual([{ service: MAILER.service, desired: 2 }]);
  });
});

describe('what scaling leaves alone', () => {
  it('an alarm that is no worker’s is logged as a warning and sets nothing', async () => {
    const w = await world();
    w.queues.set(MAILER.queue, { visible: 100 });
    w.queues.set(RESIZER.queue, { visible: 100 });

    await queueAlarm(w.deps)(loadEvent('cloudwatch', 'alarm-state-change'));

    expect(w.logger.at('warn')).toEqual([
      { level: 'warn', message: 'alarm of no worker', fields: { alarmName: 'ServerCpuTooHigh' } },
    ]);
    expect(w.services.sets).toEqual([]);
    expect(await decisionsOf(w.deps, MAILER.service)).toEqual([]);
    expect(await decisionsOf(w.deps, RESIZER.service)).toEqual([]);
  });

  it('a worker whose service does not exist (not deployed yet) is logged, and nothing is set or recorded', async () => {
    const w = await world();
    const services = new TestServices();
    services.add(RESIZER.service);
    const logger = recordingLogger();
    const deps = sharing({ ...w, services }, logger);
    w.queues.set(MAILER.queue, { visible: 100 });

    await queueAlarm(deps)(alarmEvent(NAMES.depthAlarm('mailer'), 'ALARM'));

    expect(logger.at('warn')).toEqual([
      {
        level: 'warn',
        message: 'worker service not found',
        fields: { worker: 'mailer', service: MAILER.service },
      },
    ]);
    expect(services.sets).toEqual([]);
    expect(await decisionsOf(deps, MAILER.service)).toEqual([]);
  });

  it('a malformed alarm event is logged with what is wrong, and nothing is scaled', async () => {
    const w = await world();
    w.queues.set(RESIZER.queue, { visible: 100 });
    const event = alarmEvent(NAMES.depthAlarm('resizer'), 'ALARM');
    (event.detail as { state: { value: string } }).state.value = 'ALARMING';

    await queueAlarm(w.deps)(event);

    expect(w.logger.at('error')).toEqual([
      {
        level: 'error',
        message: 'rejected malformed event',
        fields: {
          handler: 'queue-alarm',
          source: 'CloudWatch Alarm State Change',
          problems: ['detail.state.value: expected OK, ALARM or INSUFFICIENT_DATA'],
        },
      },
    ]);
    expect(w.services.sets).toEqual([]);
  });
});

describe('scaleAll', () => {
  it('a worker whose ECS calls fail does not keep the others from scaling, and the failure is thrown', async () => {
    const w = await world();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    w.services.fail(MAILER.service, throttled);
    w.queues.set(MAILER.queue, { visible: 100 });
    w.queues.set(RESIZER.queue, { visible: 10 });

    const outcome = scaleAll(w.deps, 'tick');

    await expect(outcome).rejects.toBe(throttled);
    expect(w.services.sets).toEqual([{ service: RESIZER.service, desired: 2 }]);
    expect(await decisionsOf(w.deps, MAILER.service)).toEqual([]);
    expect(await decisionsOf(w.deps, RESIZER.service)).toMatchObject([{ desired: 2, change: true }]);
  });
});

/** A gauge whose reads wait until released; `reached` resolves once a read is waiting. */
function heldGauge(queues: TestQueues): QueueGauge & { reached: Promise<void>; release(): void } {
  let arrive = () => {};
  let release = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    reached,
    release,
    async depth(queue: string): Promise<QueueDepth> {
      arrive();
      await released;
      return queues.depth(queue);
    },
  };
}
