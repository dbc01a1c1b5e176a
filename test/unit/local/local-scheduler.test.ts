import { type SchedulerInput, startLocalScheduler } from '@stevedore/local';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

describe('the local scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-22T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits for a fire time further away than setTimeout can wait, and fires it once, on time', () => {
    const fired: SchedulerInput[] = [];
    const scheduler = startLocalScheduler({
      schedules: [{ name: 'yearly', expression: 'cron(0 0 1 1 ? *)', timezone: 'UTC', enabled: true }],
      fire: (input) => fired.push(input),
    });
    try {
      vi.advanceTimersByTime(60_000);
      expect(fired).toEqual([]);

      vi.advanceTimersByTime(40 * 86_400_000);

      expect(fired.map((f) => f.scheduledTime)).toEqual(['2027-01-01T00:00:00.000Z']);
      expect(fired[0]).toMatchObject({ schedule: 'yearly', attempt: 1 });
    } finally {
      scheduler.stop();
    }
  });

  it('fires a sped-up schedule in scaled time, and nothing once stopped', () => {
    const fired: SchedulerInput[] = [];
    const scheduler = startLocalScheduler({
      schedules: [{ name: 'often', expression: 'rate(1 minute)', timezone: 'UTC', enabled: true }],
      fire: (input) => fired.push(input),
      timeScale: 60,
    });
    vi.advanceTimersByTime(3_000);
    scheduler.stop();
    vi.advanceTimersByTime(10_000);

    expect(fired.map((f) => f.scheduledTime)).toEqual([
      '2026-11-22T00:01:00.000Z',
      '2026-11-22T00:02:00.000Z',
      '2026-11-22T00:03:00.000Z',
    ]);
  });
});
