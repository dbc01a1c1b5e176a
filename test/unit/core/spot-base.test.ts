import { decideSpotBase, type SpotBaseObservation, type SpotBasePolicy } from '@stevedore/core/scaling';
import { describe, expect, it } from 'vitest';

/* The on-demand base of a worker service on Spot: up when Spot cannot place, back to 0 after a quiet spell. */

const POLICY: SpotBasePolicy = { spotPercent: 100, fallbackSeconds: 60, retrySpotSeconds: 600 };
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();

function observe(seconds: number, facts: Partial<SpotBaseObservation> = {}): SpotBaseObservation {
  return { at: at(seconds), desired: 4, running: 1, pending: 0, onDemandBase: 0, ...facts };
}

describe('decideSpotBase', () => {
  it('raises the base by the missing tasks once Spot has failed to place them for fallbackSeconds', () => {
    const failing = { lastPlacementFailureAt: iso(0) };
    const first = decideSpotBase(POLICY, {}, observe(0, failing));
    const before = decideSpotBase(POLICY, first.memory, observe(59, { lastPlacementFailureAt: iso(58) }));
    const after = decideSpotBase(POLICY, before.memory, observe(60, { lastPlacementFailureAt: iso(59) }));

    expect(first).toEqual({ memory: { shortSince: iso(0) } });
    expect(before.decision).toBeUndefined();
    expect(after).toEqual({
      decision: {
        kind: 'spot-fallback',
        previous: 0,
        base: 3,
        reason: 'Spot could not place 3 of 4 tasks for 60 s: on-demand base 0 -> 3',
      },
      memory: { raisedAt: iso(60) },
    });
  });

  it('does nothing for a service that is short without placement failures (tasks merely starting)', () => {
    const { decision, memory } = decideSpotBase(POLICY, { shortSince: iso(0) }, observe(120, { pending: 0 }));
    expect(decision).toBeUndefined();
    expect(memory).toEqual({});
  });

  it('raises again from a raised base when more tasks go missing, never above the desired count', () => {
    const { decision } = decideSpotBase(
      POLICY,
      { shortSince: iso(0), raisedAt: iso(-100) },
      observe(61, { desired: 6, running: 3, onDemandBase: 3, lastPlacementFailureAt: iso(60) }),
    );
    expect(decision).toMatchObject({ kind: 'spot-fallback', previous: 3, base: 6 });
  });

  it('lowers the base to 0 after retrySpotSeconds with no placement failure, so Spot gets its share again', () => {
    const raised = { raisedAt: iso(0) };
    const early = decideSpotBase(
      POLICY,
      raised,
      observe(599, { running: 4, onDemandBase: 3, lastPlacementFailureAt: iso(0) }),
    );
    const restored = decideSpotBase(
      POLICY,
      raised,
      observe(600, { running: 4, onDemandBase: 3, lastPlacementFailureAt: iso(0) }),
    );

    expect(early).toEqual({ memory: raised });
    expect(restored).toEqual({
      decision: {
        kind: 'spot-restore',
        previous: 3,
        base: 0,
        reason: 'no Spot placement failure for 600 s: on-demand base 3 -> 0, Spot gets its 100% again',
      },
      memory: {},
    });
  });

  it('leaves services without a Spot share alone', () => {
    expect(
      decideSpotBase({ ...POLICY, spotPercent: 0 }, {}, observe(1000, { lastPlacementFailureAt: iso(999) })),
    ).toEqual({ memory: {} });
  });
});
