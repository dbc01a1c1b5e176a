import { parseConfig } from '@stevedore/core/config';
import {
  decideScale,
  FRESH_MEMORY,
  type Observation,
  SCALING_KINDS,
  type ScalingKind,
  type ScalingMemory,
  type WorkerPolicy,
  workerPolicy,
} from '@stevedore/core/scaling';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const T0 = Date.parse('2026-05-01T12:00:00.000Z');

function policyOf(worker: Record<string, unknown> = {}): WorkerPolicy {
  const config = parseConfig({
    tasks: { w: { image: 'w:1', cpu: 256, memory: 512 } },
    workers: { w: { queue: 'q', task: 'w', max: 20, messagesPerTask: 10, ...worker } },
  });
  const parsed = config.workers.w;
  if (!parsed) throw new Error('no worker');
  return workerPolicy(parsed);
}

interface Step {
  /** Seconds since T0. */
  t: number;
  visible: number;
  inFlight?: number;
  protected?: number;
  /** Tasks still running above the desired count (stopping after a scale-in, say). */
  draining?: number;
}

/**
 * Runs a script of observations; the service follows each decision at once (desired = running,
 * plus any tasks a step says are draining), which is what the policy needs to be judged on its own.
 */
function run(policy: WorkerPolicy, steps: readonly Step[], start = 0) {
  let memory: ScalingMemory = FRESH_MEMORY;
  let desired = start;
  return steps.map((step) => {
    const observation: Observation = {
      at: new Date(T0 + step.t * 1000),
      visible: step.visible,
      inFlight: step.inFlight ?? 0,
      delayed: 0,
      desired,
      running: desired + (step.draining ?? 0),
      pending: 0,
      // A task can only be protected if it runs.
      protected: Math.min(step.protected ?? 0, desired + (step.draining ?? 0)),
    };
    const decision = decideScale(policy, memory, observation);
    memory = decision.memory;
    desired = decision.desired;
    return decision;
  });
}

describe('decideScale over scripted observation sequences', () => {
  it('at zero, messages in flight elsewhere do not bypass the activation rule', () => {
    const decisions = run(policyOf(), [
      { t: 0, visible: 1 },
      { t: 1, visible: 0, inFlight: 1 },
      { t: 5, visible: 0 },
      { t: 10, visible: 1, inFlight: 1 },
      { t: 15, visible: 1 },
    ]);

    expect(decisions.map((d) => d.desired)).toEqual([0, 0, 0, 0, 1]);
  });

  it('ramp up: leaves zero on the second observation, then scales out at once up to max', () => {
    const decisions = run(policyOf(), [
      { t: 0, visible: 5 },
      { t: 1, visible: 5 },
      { t: 2, visible: 50 },
      { t: 3, visible: 250 },
    ]);

    expect(decisions.map((d) => d.desired)).toEqual([0, 1, 5, 20]);
    expect(decisions[0]?.reason).toMatch(/stay at zero until activation \(1 of 2 observations\)/);
    expect(decisions[1]?.reason).toMatch(/^activate after 2 observations: 5 visible \+ 0 in flight = 5/);
    expect(decisions[3]?.reason).toMatch(/^scale out to 20/);
  });

  it('a one-off blip below the activation rule starts nothing', () => {
    const decisions = run(policyOf(), [
      { t: 0, visible: 1 },
      { t: 10, visible: 0 },
      { t: 20, visible: 1 },
      { t: 30, visible: 0 },
    ]);

    expect(decisions.map((d) => d.desired)).toEqual([0, 0, 0, 0]);
    expect(decisions.every((d) => !d.change)).toBe(true);
    expect(decisions[1]?.memory).toEqual(FRESH_MEMORY);
  });

  it('activates on the age of the backlog when the config says so', () => {
    const decisions = run(policyOf({ activation: { observations: 10, oldestMessageAgeSeconds: 15 } }), [
      { t: 0, visible: 1 },
      { t: 10, visible: 1 },
      { t: 15, visible: 1 },
    ]);

    expect(decisions.map((d) => d.desired)).toEqual([0, 0, 1]);
    expect(decisions[2]?.reason).toMatch(/^activate: backlog waited 15 s/);
  });

  it('drain: scales in only after the window, with hysteresis, down to zero once nothing is left', () => {
    const decisions = run(
      policyOf({ cooldown: { scaleInSeconds: 60 } }),
      [
        { t: 0, visible: 100 }, // scale out to 10
        { t: 30, visible: 72 }, // needs 8, but 10 were wanted 30 s ago
        { t: 61, visible: 72 }, // at 80% load 72 needs 9: scale in to 9
        { t: 90, visible: 75 }, // 75 needs 8 at 100%, 10 at 80%: hold
        { t: 130, visible: 20, inFlight: 5 }, // 25 at 80% needs 4, but 8 were wanted at t=90: in to 8
        { t: 200, visible: 20, inFlight: 5 }, // that peak has passed: in to 4
        { t: 280, visible: 0, inFlight: 0 },
      ],
      5,
    );

    expect(decisions.map((d) => d.desired)).toEqual([10, 10, 9, 9, 8, 4, 0]);
    expect(decisions[1]?.reason).toMatch(/^hold: a recent peak/);
    expect(decisions[3]?.reason).toMatch(/^hold: within the scale-in margin/);
    expect(decisions[6]?.reason).toMatch(/^scale in to zero/);
  });

  it('waits out the scale-in cooldown after a change', () => {
    const decisions = run(
      policyOf({ cooldown: { scaleInSeconds: 60 } }),
      [
        { t: 0, visible: 40 }, // out to 4
        { t: 70, visible: 10 }, // in to 2 (peak expired, cooldown over)
        { t: 80, visible: 0 }, // wants 0, but the last change was 10 s ago
      ],
      1,
    );

    expect(decisions.map((d) => d.desired)).toEqual([4, 2, 2]);
    expect(decisions[2]?.reason).toMatch(/^hold: scale-in cooldown, 50 s left/);
  });

  it('never scales below the tasks that hold messages, and to zero only when nothing is visible or in flight', () => {
    const decisions = run(
      policyOf({ cooldown: { scaleInSeconds: 0 } }),
      [
        { t: 0, visible: 0, inFlight: 3, protected: 3 },
        { t: 10, visible: 0, inFlight: 1, protected: 1 },
        { t: 20, visible: 0, inFlight: 0, protected: 0 },
      ],
      6,
    );

    expect(decisions.map((d) => d.desired)).toEqual([3, 1, 0]);
    expect(decisions[0]?.reason).toMatch(/\(3 tasks hold messages\)/);
  });

  it('sawtooth: a load swinging between 40 and 10 every 10 s holds its peak instead of flapping', () => {
    const steps: Step[] = [
      { t: 0, visible: 40 },
      { t: 5, visible: 40 },
      ...Array.from({ length: 40 }, (_, i) => ({ t: 10 + i * 10, visible: i % 2 === 0 ? 10 : 40 })),
    ];

    const decisions = run(policyOf({ cooldown: { scaleInSeconds: 60 } }), steps);

    expect(decisions.filter((d) => d.change).map((d) => d.desired)).toEqual([4]);
    expect(decisions.at(-1)?.desired).toBe(4);
  });

  it('one empty snapshot during live traffic does not drop a busy service to zero (found by bench:scaling)', () => {
    const decisions = run(
      policyOf({ cooldown: { scaleInSeconds: 60 } }),
      [
        { t: 0, visible: 30 }, // out to 3
        { t: 70, visible: 20 }, // 20 at 80% needs 3: hold
        { t: 80, visible: 12 }, // needs 2: in to 2
        { t: 90, visible: 5 }, // needs 1, but 2 were wanted within the window
        { t: 100, visible: 0 }, // a gap between messages
        { t: 110, visible: 0 },
        { t: 165, visible: 0 }, // a whole window without messages: now zero
      ],
      1,
    );

    expect(decisions.map((d) => d.desired)).toEqual([3, 3, 2, 2, 2, 2, 0]);
    expect(decisions[4]?.reason).toMatch(/^hold: a recent peak/);
  });

  it('moves at most step.maxOut and step.maxIn tasks per decision', () => {
    const decisions = run(
      policyOf({ step: { maxOut: 3, maxIn: 2 }, cooldown: { scaleInSeconds: 0 } }),
      [
        { t: 0, visible: 200 },
        { t: 1, visible: 200 },
        { t: 2, visible: 0 },
        { t: 3, visible: 0 },
      ],
      1,
    );

    expect(decisions.map((d) => d.desired)).toEqual([4, 7, 5, 3]);
  });

  it('keeps min tasks and skips activation when min is above zero', () => {
    const decisions = run(
      policyOf({ min: 2, cooldown: { scaleInSeconds: 0 } }),
      [
        { t: 0, visible: 1 },
        { t: 10, visible: 0 },
      ],
      2,
    );

    expect(decisions.map((d) => d.desired)).toEqual([2, 2]);
  });

  it('derives messagesPerTask from the acceptable latency', () => {
    expect(
      policyOf({ messagesPerTask: undefined, latency: { targetSeconds: 60, secondsPerMessage: 4 } })
        .messagesPerTask,
    ).toBe(15);
  });

  it('always stays within min and max, and keeps a task while messages are in flight', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            visible: fc.nat(500),
            inFlight: fc.nat(50),
            protected: fc.nat(25),
            gap: fc.integer({ min: 1, max: 120 }),
          }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.integer({ min: 0, max: 3 }),
        (script, min) => {
          const policy = policyOf({ min, max: 12 });
          let t = 0;
          const steps = script.map((s) => {
            t += s.gap;
            return {
              t,
              visible: s.visible,
              inFlight: s.inFlight,
              protected: Math.min(s.protected, s.inFlight),
            };
          });
          const decisions = run(policy, steps, min);
          decisions.forEach((decision, i) => {
            const step = steps[i] as Step;
            const running = i === 0 ? min : (decisions[i - 1]?.desired ?? 0);
            const holding = Math.min(step.protected ?? 0, running);
            expect(decision.desired).toBeGreaterThanOrEqual(min);
            expect(decision.desired).toBeLessThanOrEqual(12);
            // Messages in flight keep a task once there are tasks (at zero, someone else holds them).
            if ((step.inFlight ?? 0) > 0 && running > 0)
              expect(decision.desired).toBeGreaterThanOrEqual(Math.max(1, holding));
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the kind of a decision', () => {
  const KIND_ROWS: {
    kind: ScalingKind;
    situation: string;
    worker?: Record<string, unknown>;
    start?: number;
    steps: Step[];
    reason: RegExp;
  }[] = [
    { kind: 'idle', situation: 'at zero, nothing visible', steps: [{ t: 0, visible: 0 }], reason: /^idle: / },
    {
      kind: 'activation-wait',
      situation: 'at zero, a first observation of a message',
      steps: [{ t: 0, visible: 1 }],
      reason: /^stay at zero until activation \(1 of 2 observations\): /,
    },
    {
      kind: 'activate',
      situation: 'at zero, the second observation in a row',
      steps: [
        { t: 0, visible: 5 },
        { t: 1, visible: 5 },
      ],
      reason: /^activate after 2 observations: /,
    },
    {
      kind: 'activate',
      situation: 'at zero, a backlog as old as the activation age',
      worker: { activation: { observations: 10, oldestMessageAgeSeconds: 15 } },
      steps: [
        { t: 0, visible: 1 },
        { t: 15, visible: 1 },
      ],
      reason: /^activate: backlog waited 15 s: /,
    },
    {
      kind: 'scale-out',
      situation: 'a backlog for 5 tasks at 1',
      start: 1,
      steps: [{ t: 0, visible: 50 }],
      reason: /^scale out to 5: /,
    },
    {
      kind: 'floor',
      situation: 'desired 1 while 3 running tasks hold messages',
      start: 1,
      steps: [{ t: 0, visible: 0, inFlight: 3, protected: 3, draining: 2 }],
      reason: /^keep the 3 tasks holding messages: /,
    },
    {
      kind: 'steady',
      situation: 'a backlog for 2 tasks at 2',
      start: 2,
      steps: [{ t: 0, visible: 20 }],
      reason: /^steady: /,
    },
    {
      kind: 'hold',
      situation: 'more backlog 10 s after a scale-out, with a 60 s scale-out cooldown',
      worker: { cooldown: { scaleOutSeconds: 60 } },
      start: 1,
      steps: [
        { t: 0, visible: 40 },
        { t: 10, visible: 100 },
      ],
      reason: /^hold: scale-out cooldown, 50 s left: /,
    },
    {
      kind: 'hold',
      situation: 'a backlog for 9 at 10, but for 11 at 80% load',
      start: 10,
      steps: [{ t: 0, visible: 85 }],
      reason: /^hold: within the scale-in margin: /,
    },
    {
      kind: 'hold',
      situation: 'less backlog 30 s after 4 tasks were wanted',
      start: 1,
      steps: [
        { t: 0, visible: 40 },
        { t: 30, visible: 10 },
      ],
      reason: /^hold: a recent peak: /,
    },
    {
      kind: 'hold',
      situation: 'an empty queue 10 s after a scale-in, with a 60 s scale-in cooldown',
      worker: { cooldown: { scaleInSeconds: 60 } },
      start: 1,
      steps: [
        { t: 0, visible: 40 },
        { t: 70, visible: 10 },
        { t: 80, visible: 0 },
      ],
      reason: /^hold: scale-in cooldown, 50 s left: /,
    },
    {
      kind: 'scale-in',
      situation: 'a backlog for 3 at 80% load at 5, no cooldown',
      worker: { cooldown: { scaleInSeconds: 0 } },
      start: 5,
      steps: [{ t: 0, visible: 20 }],
      reason: /^scale in to 3: /,
    },
    {
      kind: 'scale-in',
      situation: 'nothing visible or in flight at 2, no cooldown',
      worker: { cooldown: { scaleInSeconds: 0 } },
      start: 2,
      steps: [{ t: 0, visible: 0 }],
      reason: /^scale in to zero: /,
    },
  ];

  it.each(KIND_ROWS)('$kind: $situation', ({ kind, worker, start, steps, reason }) => {
    const decision = run(policyOf(worker), steps, start).at(-1);

    expect(decision?.kind).toBe(kind);
    expect(decision?.reason).toMatch(reason);
  });

  it('has a situation above for every kind', () => {
    expect(new Set(KIND_ROWS.map((row) => row.kind))).toEqual(new Set(SCALING_KINDS));
  });

  // A kind says whether the count moved, and which way: the scale step keeps every move as history,
  // but only the first of a run of decisions of one kind that move nothing.
  const DIRECTION: Record<ScalingKind, 'out' | 'in' | 'none'> = {
    idle: 'none',
    'activation-wait': 'none',
    activate: 'out',
    'scale-out': 'out',
    floor: 'out',
    steady: 'none',
    hold: 'none',
    'scale-in': 'in',
  };

  it('says which way the count moved, if it did', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Zeros often enough that the service sits at zero, waits to activate and leaves it.
            visible: fc.oneof(fc.constant(0), fc.nat(500)),
            inFlight: fc.oneof(fc.constant(0), fc.nat(50)),
            protected: fc.nat(25),
            draining: fc.oneof(fc.constant(0), fc.nat(3)),
            gap: fc.integer({ min: 1, max: 120 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
        fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12 })),
        (script, min, start) => {
          const policy = policyOf({ min, max: 12, cooldown: { scaleOutSeconds: 30, scaleInSeconds: 60 } });
          let t = 0;
          // Now and then, tasks still run above the desired count (some of them holding messages).
          const steps = script.map(({ gap, ...step }) => {
            t += gap;
            return { t, ...step };
          });
          let desired = Math.max(start, min);
          for (const decision of run(policy, steps, desired)) {
            const moved = decision.desired > desired ? 'out' : decision.desired < desired ? 'in' : 'none';
            expect(moved, decision.reason).toBe(DIRECTION[decision.kind]);
            expect(decision.change).toBe(moved !== 'none');
            desired = decision.desired;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
