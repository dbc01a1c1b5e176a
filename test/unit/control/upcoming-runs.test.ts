import { upcomingRuns } from '@stevedore/control';
import { parseConfig } from '@stevedore/core/config';
import { describe, expect, it } from 'vitest';

/* The next runs the CLI's `schedules` and the console's /schedules show: in the schedule's zone, on its grid. */

const config = parseConfig({
  app: 'shop',
  tasks: { report: { image: 'report:1', cpu: 256, memory: 512 } },
  schedules: {
    nightly: { expression: 'cron(30 2 * * ? *)', task: 'report', timezone: 'Europe/Paris' },
    fively: { expression: 'rate(5 minutes)', task: 'report' },
    paused: { expression: 'rate(1 hour)', task: 'report', enabled: false },
  },
});
const schedule = (name: string) => config.schedules[name] ?? expect.fail(`no schedule ${name}`);
const NOW = new Date('2026-07-01T12:01:00Z');

describe('upcomingRuns', () => {
  it('writes a cron schedule’s next runs in its own time zone', () => {
    const runs = upcomingRuns(schedule('nightly'), {}, NOW, 2);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toContain('2026-07-02');
    expect(runs[0]).toContain('02:30');
    expect(runs[1]).toContain('2026-07-03');
  });

  it('counts a rate schedule from the grid its firings taught, only while that grid is for its expression', () => {
    const anchor = '2026-07-01T11:58:00.000Z';
    const taught = upcomingRuns(schedule('fively'), { anchor, checkedExpression: 'rate(5 minutes)' }, NOW, 1);
    const stale = upcomingRuns(schedule('fively'), { anchor, checkedExpression: 'rate(1 hour)' }, NOW, 1);
    expect(taught[0]).toContain('12:03');
    expect(stale[0]).toContain('12:05');
  });

  it('has none for a disabled schedule', () => {
    expect(upcomingRuns(schedule('paused'), {}, NOW, 3)).toEqual([]);
  });
});
