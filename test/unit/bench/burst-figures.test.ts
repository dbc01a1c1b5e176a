import { describe, expect, it } from 'vitest';
import { ratePerSecond, waitingFigures } from '../../../bench/burst-figures';

/*
 * bench:burst judges the launch rate only over the time launchable jobs waited: time when nothing
 * waited (objects still on their way) must not count against the control plane, and a stretch with
 * jobs waiting and no launch (the idle tail after a throttled refusal) must show.
 */

const T0 = 1_000_000;
const job = (arrived: number, launched: number) => ({ arrivedAt: T0 + arrived, launchedAt: T0 + launched });

describe('waitingFigures', () => {
  it('counts only the time with a job waiting, not the pause between arrivals', () => {
    // Two jobs wait 0-1 s and 0-2 s; nothing waits 2-10 s; a third waits 10-10.5 s.
    const figures = waitingFigures([job(0, 1000), job(0, 2000), job(10_000, 10_500)], T0);

    expect(figures.launches).toBe(3);
    expect(figures.waitingSeconds).toBe(2.5);
    expect(figures.longestGap).toEqual({ seconds: 1, startsAfterMs: 0 });
  });

  it('finds the longest stretch with jobs waiting and no launch, from the launch before it', () => {
    // Launches at 0.1, 0.2, then nothing until 35.2 s while the third job waits: the idle tail.
    const figures = waitingFigures([job(0, 100), job(0, 200), job(0, 35_200)], T0);

    expect(figures.longestGap).toEqual({ seconds: 35, startsAfterMs: 200 });
    expect(figures.waitingSeconds).toBe(35.2);
  });

  it('takes a job launched the moment it arrived as waiting for no time', () => {
    expect(waitingFigures([job(500, 500)], T0)).toEqual({
      launches: 1,
      waitingSeconds: 0,
      longestGap: { seconds: 0, startsAfterMs: 0 },
    });
  });
});

describe('ratePerSecond', () => {
  it('is the count over the span from the first event to the last', () => {
    expect(ratePerSecond([T0, T0 + 500, T0 + 2000])).toEqual({ count: 3, seconds: 2, perSecond: 1.5 });
    expect(ratePerSecond([])).toEqual({ count: 0, seconds: 0, perSecond: 0 });
  });
});
