import { ScheduleExpressionError } from './errors';

/*
 * Wall-clock arithmetic in an IANA time zone through Intl, which carries the time zone database:
 * no clock is read and nothing is fetched. A "wall time" here is the local date and time written as
 * if it were UTC (Date.UTC of the local fields), so two instants show the same local time exactly
 * when their wall times are equal.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** Validates a time zone name (IANA, as Intl knows it), throwing ScheduleExpressionError. */
export function checkTimezone(timezone: string): void {
  const invalid = (problem: string, options?: ErrorOptions) =>
    new ScheduleExpressionError(timezone, 'timezone', problem, options);
  // Newer engines also take offsets such as "+05:00"; EventBridge Scheduler takes IANA names only.
  if (!/^[A-Za-z]/.test(timezone)) throw invalid('expected an IANA name such as Europe/Paris or UTC');
  let resolved: string;
  try {
    resolved = formatterFor(timezone).resolvedOptions().timeZone;
  } catch (error) {
    throw invalid('unknown; expected an IANA name such as Europe/Paris or UTC', { cause: error });
  }
  // Intl ignores case; Scheduler and the other readers of the config may not, so say it here.
  if (resolved !== timezone && resolved.toLowerCase() === timezone.toLowerCase()) {
    throw invalid(`names are case-sensitive: write ${resolved}`);
  }
}

/** The wall time (local fields as if UTC, in ms) of an instant in a time zone. */
export function wallTimeOf(instantMs: number, timezone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timezone).formatToParts(instantMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  return utcMs(year, month, day, hour, minute, second) + (((instantMs % 1000) + 1000) % 1000);
}

/** Date.UTC without its 0-99 → 1900-1999 mapping of years. `month` counts from 1. */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function offsetAt(instantMs: number, timezone: string): number {
  return wallTimeOf(instantMs, timezone) - instantMs;
}

/**
 * The instant of a wall time. A wall time that happens twice (fall back) resolves to its first
 * occurrence; one that does not exist (spring forward) moves forward by the length of the gap, as
 * Temporal's "compatible" disambiguation does (02:30 in a 02:00→03:00 gap becomes 03:30).
 */
export function instantOfWallTime(wallMs: number, timezone: string): number {
  const offsetBefore = offsetAt(wallMs - DAY_MS, timezone);
  const offsetAfter = offsetAt(wallMs + DAY_MS, timezone);
  const exact = [wallMs - offsetBefore, wallMs - offsetAfter].filter(
    (instant) => wallTimeOf(instant, timezone) === wallMs,
  );
  if (exact.length > 0) return Math.min(...exact);
  return wallMs - offsetBefore;
}

/**
 * Whether the wall time of an instant already happened earlier, because the clocks went back
 * (the second 01:30 of a fall-back night). Looks back far enough for shifts of up to a day.
 */
export function isRepeatedWallTime(instantMs: number, timezone: string): boolean {
  const wall = wallTimeOf(instantMs, timezone);
  for (const lookBack of [HOUR_MS, 3 * HOUR_MS, DAY_MS]) {
    const earlier = wall - offsetAt(instantMs - lookBack, timezone);
    if (earlier < instantMs && wallTimeOf(earlier, timezone) === wall) return true;
  }
  return false;
}

/** An instant as ISO 8601 in a time zone, with its offset: 2026-11-23T03:00:00+01:00. */
export function formatInZone(instant: Date, timezone: string): string {
  const wall = wallTimeOf(instant.getTime(), timezone);
  const offsetMinutes = Math.round((wall - instant.getTime()) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${new Date(wall).toISOString().slice(0, 19)}${offset}`;
}
