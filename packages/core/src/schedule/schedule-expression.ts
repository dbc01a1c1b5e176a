import { type CronFields, parseCronFields } from './cron-fields';
import { ScheduleExpressionError } from './errors';
import { utcMs } from './zoned-time';

/*
 * EventBridge Scheduler's three expressions, as its user guide ("Schedule types in EventBridge
 * Scheduler") and the API reference (ScheduleExpression) spell them:
 *   cron(minutes hours day-of-month month day-of-week year)
 *   rate(value unit)   value a positive integer; unit minute | minutes | hour | hours | day | days
 *   at(yyyy-mm-ddThh:mm:ss)
 */

/** A cron expression: its six fields as written. */
export interface CronExpression extends CronFields {
  kind: 'cron';
}

/** The units of a rate expression, singular. */
export const RATE_UNITS = ['minute', 'hour', 'day'] as const;
export type RateUnit = (typeof RATE_UNITS)[number];

/** A rate expression: every `value` units, counted from the schedule's start. */
export interface RateExpression {
  kind: 'rate';
  value: number;
  unit: RateUnit;
}

/** A one-time expression: a local date and time (`yyyy-mm-ddThh:mm:ss`) in the schedule's time zone. */
export interface AtExpression {
  kind: 'at';
  local: string;
}

/** A parsed EventBridge Scheduler expression. */
export type ScheduleExpression = CronExpression | RateExpression | AtExpression;

const EXPRESSION = /^(cron|rate|at)\((.*)\)$/s;
const AT_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/**
 * Parses and validates an EventBridge Scheduler expression, throwing ScheduleExpressionError with a
 * message that names the field and the problem.
 */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const match = EXPRESSION.exec(expression);
  const kind = match?.[1];
  const body = match?.[2] ?? '';
  if (kind === 'cron') return { kind, ...parseCronFields(expression, body) };
  if (kind === 'rate') return parseRate(expression, body);
  if (kind === 'at') {
    atWallTime(expression, body);
    return { kind, local: body };
  }
  throw new ScheduleExpressionError(
    expression,
    undefined,
    'expected cron(minutes hours day-of-month month day-of-week year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)',
  );
}

/** The expression as EventBridge Scheduler takes it, e.g. `rate(5 minutes)`. */
export function formatScheduleExpression(expression: ScheduleExpression): string {
  switch (expression.kind) {
    case 'cron': {
      const { minutes, hours, dayOfMonth, month, dayOfWeek, year } = expression;
      return `cron(${minutes} ${hours} ${dayOfMonth} ${month} ${dayOfWeek} ${year})`;
    }
    case 'rate':
      return `rate(${expression.value} ${expression.unit}${expression.value === 1 ? '' : 's'})`;
    case 'at':
      return `at(${expression.local})`;
  }
}

function parseRate(expression: string, body: string): RateExpression {
  const fail = (field: string | undefined, problem: string): never => {
    throw new ScheduleExpressionError(expression, field, problem);
  };
  const parts = body.trim() === '' ? [] : body.trim().split(/\s+/);
  if (parts.length !== 2) fail(undefined, `expected rate(value unit), got ${parts.length} fields`);
  const [text = '', unitText = ''] = parts;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1)) fail('value', `must be a positive whole number, got ${text}`);
  if (!Number.isSafeInteger(value)) fail('value', `${text} is too large`);
  const plural = unitText.endsWith('s');
  const unit = RATE_UNITS.find((candidate) => candidate === (plural ? unitText.slice(0, -1) : unitText));
  if (unit === undefined) {
    return fail('unit', `must be minute, minutes, hour, hours, day or days, got "${unitText}"`);
  }
  // Scheduler rejects rate(1 minutes) and rate(5 minute): the unit agrees with the value.
  if (value === 1 && plural) fail('unit', `use "${unit}" when the value is 1`);
  if (value !== 1 && !plural) fail('unit', `use "${unit}s" when the value is not 1`);
  return { kind: 'rate', value, unit };
}

/** The wall time (local fields as if UTC, in ms) of an at expression's date and time. */
export function atWallTime(expression: string, local: string): number {
  const fail = (problem: string): never => {
    throw new ScheduleExpressionError(expression, undefined, problem);
  };
  const parts = AT_LOCAL.exec(local)?.slice(1).map(Number);
  if (parts === undefined) return fail('expected a local date and time as at(yyyy-mm-ddThh:mm:ss)');
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = parts;
  if (month < 1 || month > 12) fail(`month ${month} is out of range 1-12`);
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(utcMs(year, month + 1, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) fail(`day ${day} is out of range 1-${daysInMonth} for that month`);
  if (hour > 23 || minute > 59 || second > 59)
    fail(`${local.slice(11)} is not a time of day (00:00:00-23:59:59)`);
  return utcMs(year, month, day, hour, minute, second);
}
