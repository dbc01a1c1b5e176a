import { alarmChanged, compileApp, type HandlerDeps, scaleAll } from '@stevedore/control';
import { parseConfig, resourceNames } from '@stevedore/core/config';
import type { DecisionRecord, ScalingStore } from '@stevedore/core/ports';
import { FRESH_MEMORY, type ScalingMemory } from '@stevedore/core/scaling';
import { describe, expect, it } from 'vitest';

/*
 * The scale step over in-memory ports: which of its decisions the ledger keeps as history. Every
 * decision becomes the worker's last one; a change is always history, and so is the first of a run
 * of decisions of one kind, whichever trigger (the tick or the depth alarm) made it.
 */

const app = compileApp(
  parseConfig({
    app: 'shop',
    tasks: { resize: { image: 'resize:1', cpu: 256, memory: 512 } },
    workers: { resize: { queue: 'resize-jobs', task: 'resize', max: 10, messagesPerTask: 10 } },
  }),
  resourceNames('shop', 'test'),
);
const T0 = Date.parse('2026-05-01T12:00:00.000Z');

/** A port the scale step has no business with: touching it fails the test. */
function untouched<T extends object>(port: string): T {
  return new Proxy({} as T, {
    get: (_target, key) => {
      throw new Error(`the scale step used ${port}.${String(key)}`);
    },
  });
}

/** One worker's queue, service and ledger record; the service follows the desired count at once. */
function world(lastDecision?: DecisionRecord) {
  const state = {
    at: T0,
    visible: 0,
    desired: 0,
    version: 0,
    memory: FRESH_MEMORY as ScalingMemory,
    last: lastDecision,
    history: [] as DecisionRecord[],
  };
  const scaling: ScalingStore = {
    async workerRecord() {
      return {
        memory: state.memory,
        version: state.version,
        ...(state.last ? { lastDecision: state.last } : {}),
        tasks: {},
      };
    },
    async recordDecision(record, memory, version, history = true) {
      if (version !== state.version) return false;
      Object.assign(state, { version: version + 1, memory, last: record });
      if (history) state.history.push(record);
      return true;
    },
    async decisions() {
      return { decisions: [...state.history].reverse() };
    },
    async recordServiceTask() {},
  };
  const deps: HandlerDeps = {
    app,
    scaling,
    gauge: { depth: async () => ({ visible: state.visible, inFlight: 0, delayed: 0 }) },
    scaler: {
      describeService: async () => ({ desired: state.desired, running: state.desired, pending: 0 }),
      serviceTasks: async () => [],
      protectedTasks: async () => 0,
      setDesiredCount: async (_service, desired) => {
        state.desired = desired;
      },
      setOnDemandBase: () => Promise.reject(new Error('these workers have no Spot share')),
    },
    clock: { now: () => new Date(state.at) },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    jobs: untouched('jobs'),
    slots: untouched('slots'),
    schedules: untouched('schedules'),
    launcher: untouched('launcher'),
    jobEvents: untouched('jobEvents'),
    objects: untouched('objects'),
  };
  const alarm = app.workers[0]?.alarm ?? '';
  /** At `seconds` after T0, with `visible` messages, the tick or the depth alarm runs the scale step. */
  const observe = async (seconds: number, visible: number, trigger: 'tick' | 'alarm') => {
    Object.assign(state, { at: T0 + seconds * 1000, visible });
    if (trigger === 'tick') await scaleAll(deps, 'tick');
    else await alarmChanged(deps, alarm, visible > 0 ? 'ALARM' : 'OK');
  };
  return { state, observe };
}

describe('scale step history', () => {
  it('keeps every change, and of a run of decisions of one kind only the first, whatever triggered it', async () => {
    const { state, observe } = world();

    await observe(0, 0, 'tick'); // idle
    await observe(5, 0, 'alarm'); // idle again, by the alarm
    await observe(10, 0, 'tick'); // idle again
    await observe(15, 3, 'tick'); // a first observation of messages
    await observe(16, 3, 'alarm'); // the second: leave zero
    await observe(20, 3, 'tick'); // one task for 3 messages
    await observe(25, 3, 'tick'); // still

    expect(state.version).toBe(7);
    expect(state.last).toMatchObject({ kind: 'steady', reason: expect.stringMatching(/^tick: steady: /) });
    expect(state.history).toEqual([
      expect.objectContaining({ kind: 'idle', change: false, reason: expect.stringMatching(/^tick: /) }),
      expect.objectContaining({ kind: 'activation-wait', change: false }),
      expect.objectContaining({
        kind: 'activate',
        change: true,
        previous: 0,
        desired: 1,
        reason: expect.stringMatching(/^alarm ALARM: /),
      }),
      expect.objectContaining({ kind: 'steady', change: false }),
    ]);
  });

  it('keeps the first decision after a last decision recorded before decisions had a kind', async () => {
    const recordedBefore: DecisionRecord = {
      worker: 'resize',
      service: app.workers[0]?.service ?? '',
      at: new Date(T0 - 10_000).toISOString(),
      observation: { visible: 0, inFlight: 0, delayed: 0, desired: 0, running: 0, pending: 0, protected: 0 },
      previous: 0,
      desired: 0,
      change: false,
      reason: 'tick: idle: 0 visible + 0 in flight = 0 (10 per task), 0 running, 0 protected',
    };
    const { state, observe } = world(recordedBefore);

    await observe(0, 0, 'tick');
    await observe(5, 0, 'tick');

    expect(state.history.map((d) => d.kind)).toEqual(['idle']);
  });
});
