import type { Config } from '@stevedore/core/config';
import type { ScheduleState } from '@stevedore/core/ports';
import { formatInZone, nextFireTimes } from '@stevedore/core/schedule';

type Schedule = Config['schedules'][string];

/**
 * A schedule's next `count` fire times after `now`, written in its own time zone (none while it is
 * disabled). A rate schedule's times count from its grid as learnt from its firings (the epoch before
 * any), so the CLI and the console show the times the schedule will really fire at.
 */
export function upcomingRuns(schedule: Schedule, state: ScheduleState, now: Date, count: number): string[] {
  if (!schedule.enabled) return [];
  return nextFireTimes(schedule.expression, {
    after: now,
    count,
    timezone: schedule.timezone,
    ...(state.anchor && state.checkedExpression === schedule.expression
      ? { startAt: new Date(state.anchor) }
      : {}),
  }).map((time) => formatInZone(time, schedule.timezone));
}
