import { Cron } from 'croner';
import { cronerPattern } from './cron-fields';
import {
  type AtExpression,
  atWallTime,
  type CronExpression,
  formatScheduleExpression,
  parseScheduleExpression,
  type RateExpression,
  type ScheduleExpression,
} from './schedule-expression';
import { checkTimezone, instantOfWallTime, isRepeatedWallTime } from './zoned-time';

/*
 * When a schedule fires, as EventBridge Scheduler documents it ("Schedule types in EventBridge
 * Scheduler"):
 * - cron and at expressions are read in the schedule's time zone (default UTC); rate expressions
 *   count fixed durations and ignore it: "For rate-based schedules that use days as the unit, such as
 *   rate(1 days), days represents a 24-hour duration on the clock."
 * - Daylight saving time, for cron: "When time shifts forward in the Spring, if a cron expression
 *   falls on a non-existent date and time, your schedule invocation is skipped. When time shifts
 *   backwards in the Fall, your schedule runs only once and does not repeat its invocation."
 *   So a local time in the gap never fires (croner would move a fixed time past the gap), and a
 *   local time that happens twice fires at its first occurrence only (croner would fire an
 *   every-N-minutes schedule on both passes through the repeated hour).
 * - `startAt` is the schedule's StartDate. A rate schedule fires first at it and then every
 *   `value` units ("you use the StartDate property to set the first occurrence"); without it we count
 *   from the Unix epoch, so times are stable. A cron schedule fires at or after it. A one-time
 *   schedule ignores it, as Scheduler ignores StartDate and EndDate for at().
 */

/** How many fire times fireTimesBetween returns at most, unless told otherwise. */
export const DEFAULT_FIRE_TIMES_LIMIT = 1000;

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
/** The largest time a Date holds. */
const MAX_DATE_MS = 8.64e15;

/** Options of nextFireTimes. */
export interface NextFireTimesOptions {
  /** Fire times strictly after this instant. */
  after: Date;
  /** How many fire times, at most. */
  count: number;
  /** IANA time zone in which cron and at expressions are read. Default UTC. */
  timezone?: string;
  /** The schedule's start (StartDate). Anchors rate expressions (default: the epoch); bounds cron. */
  startAt?: Date;
}

/** Options of fireTimesBetween. */
export interface FireTimesBetweenOptions {
  /** The window is (from, to]. */
  from: Date;
  to: Date;
  timezone?: string;
  startAt?: Date;
  /** How many fire times, at most: the earliest ones. Default DEFAULT_FIRE_TIMES_LIMIT. */
  limit?: number;
}

/** The next `count` fire times strictly after `after`, as Date (UTC instants), in `timezone`. */
export function nextFireTimes(
  expression: ScheduleExpression | string,
  options: NextFireTimesOptions,
): Date[] {
  const count = countOf('count', options.count);
  const all = fireTimesAfter(
    expression,
    instantOf('after', options.after),
    options.timezone,
    options.startAt,
  );
  const times: Date[] = [];
  if (count === 0) return times;
  for (const time of all) {
    times.push(new Date(time));
    if (times.length >= count) break;
  }
  return times;
}

/** Fire times in the window (from, to] — the sweeper uses it to find missed runs. Bounded by `limit`. */
export function fireTimesBetween(
  expression: ScheduleExpression | string,
  options: FireTimesBetweenOptions,
): Date[] {
  const from = instantOf('from', options.from);
  const to = instantOf('to', options.to);
  const limit = countOf('limit', options.limit ?? DEFAULT_FIRE_TIMES_LIMIT);
  const all = fireTimesAfter(expression, from, options.timezone, options.startAt);
  const times: Date[] = [];
  if (limit === 0 || to <= from) return times;
  for (const time of all) {
    if (time > to) break;
    times.push(new Date(time));
    if (times.length >= limit) break;
  }
  return times;
}

/** Every fire time strictly after `after` (ms), earliest first. Validates before it returns. */
function fireTimesAfter(
  input: ScheduleExpression | string,
  after: number,
  timezone = 'UTC',
  startAt?: Date,
): Iterable<number> {
  checkTimezone(timezone);
  // A hand-built object is checked as strictly as a string.
  const expression = parseScheduleExpression(
    typeof input === 'string' ? input : formatScheduleExpression(input),
  );
  const start = startAt === undefined ? undefined : instantOf('startAt', startAt);
  switch (expression.kind) {
    case 'cron':
      // At or after the start: strictly after one millisecond before it.
      return cronTimes(expression, start === undefined ? after : Math.max(after, start - 1), timezone);
    case 'rate':
      return rateTimes(expression, after, start ?? 0);
    case 'at':
      return atTimes(expression, after, timezone);
  }
}

function cronTimes(expression: CronExpression, after: number, timezone: string): Iterable<number> {
  const pattern = cronerPattern(expression, formatScheduleExpression(expression));
  // No function is given, so croner schedules nothing: it only evaluates the pattern.
  const cron = new Cron(pattern, {
    mode: '7-part',
    alternativeWeekdays: true,
    domAndDow: true,
    timezone,
    paused: true,
  });
  return (function* () {
    let cursor = new Date(after);
    for (;;) {
      const next = cron.nextRun(cursor);
      if (next === null) return;
      cursor = next;
      // croner runs a fixed time that falls in a spring-forward gap just after it; Scheduler skips it.
      if (!cron.match(next)) continue;
      // croner runs interval schedules on both passes through a fall-back hour; Scheduler runs once.
      if (isRepeatedWallTime(next.getTime(), timezone)) continue;
      yield next.getTime();
    }
  })();
}

/**
 * True when `time` is a fire time of the rate expression counted from `anchor` (a fire time itself).
 * Cron and at() expressions have no anchor: always true.
 */
export function onRateGrid(expression: ScheduleExpression | string, time: Date, anchor: Date): boolean {
  const parsed = typeof expression === 'string' ? parseScheduleExpression(expression) : expression;
  if (parsed.kind !== 'rate') return true;
  const period = parsed.value * UNIT_MS[parsed.unit];
  return (((instantOf('time', time) - instantOf('anchor', anchor)) % period) + period) % period === 0;
}

function* rateTimes(expression: RateExpression, after: number, start: number): Generator<number> {
  const period = expression.value * UNIT_MS[expression.unit];
  const first = after < start ? 0 : Math.floor((after - start) / period) + 1;
  for (let k = first; ; k += 1) {
    const time = start + k * period;
    if (time > MAX_DATE_MS) return;
    yield time;
  }
}

function atTimes(expression: AtExpression, after: number, timezone: string): Iterable<number> {
  const wall = atWallTime(formatScheduleExpression(expression), expression.local);
  const time = instantOfWallTime(wall, timezone);
  return time > after ? [time] : [];
}

function instantOf(name: string, date: Date): number {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError(`${name} is not a valid date`);
  return time;
}

function countOf(name: string, count: number): number {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`${name} must be a whole number ≥ 0`);
  return count;
}
