import {
  formatScheduleExpression,
  nextFireTimes,
  parseScheduleExpression,
  ScheduleExpressionError,
} from '@stevedore/core/schedule';
import { describe, expect, it } from 'vitest';

describe('parseScheduleExpression: cron', () => {
  it('keeps the six fields as written, and formats them back', () => {
    const parsed = parseScheduleExpression('cron(0 18 ? * 6L 2026-2027)');
    expect(parsed).toEqual({
      kind: 'cron',
      minutes: '0',
      hours: '18',
      dayOfMonth: '?',
      month: '*',
      dayOfWeek: '6L',
      year: '2026-2027',
    });
    expect(formatScheduleExpression(parsed)).toBe('cron(0 18 ? * 6L 2026-2027)');
  });

  it.each([
    [
      'cron(0 12 * *)',
      'cron(0 12 * *): expected 6 fields (minutes hours day-of-month month day-of-week year), got 4',
    ],
    [
      // Unix cron has five fields; EventBridge's has a year and no seconds.
      'cron(0 12 * * ?)',
      'cron(0 12 * * ?): expected 6 fields (minutes hours day-of-month month day-of-week year), got 5',
    ],
    [
      'cron(0 0 12 * * ? *)',
      'cron(0 0 12 * * ? *): expected 6 fields (minutes hours day-of-month month day-of-week year), got 7',
    ],
    [
      'cron(0 12 * * * *)',
      'cron(0 12 * * * *): day-of-month and day-of-week cannot both be specified; use ? in one of them',
    ],
    [
      'cron(0 12 1 * MON *)',
      'cron(0 12 1 * MON *): day-of-month and day-of-week cannot both be specified; use ? in one of them',
    ],
    [
      'cron(0 12 ? * ? *)',
      'cron(0 12 ? * ? *): day-of-month and day-of-week cannot both be ?; specify one of them',
    ],
    ['cron(? 12 * * ? *)', 'cron(? 12 * * ? *): minutes: ? is only allowed in day-of-month or day-of-week'],
    ['cron(0 12 * ? ? *)', 'cron(0 12 * ? ? *): month: ? is only allowed in day-of-month or day-of-week'],
    ['cron(0 L * * ? *)', 'cron(0 L * * ? *): hours: L is only allowed in day-of-month or day-of-week'],
    ['cron(0 12 ? * 2W *)', 'cron(0 12 ? * 2W *): day-of-week: W is only allowed in day-of-month'],
    ['cron(0 12 1#2 * ? *)', 'cron(0 12 1#2 * ? *): day-of-month: # is only allowed in day-of-week'],
    ['cron(60 12 * * ? *)', 'cron(60 12 * * ? *): minutes: 60 is out of range 0-59'],
    ['cron(0 24 * * ? *)', 'cron(0 24 * * ? *): hours: 24 is out of range 0-23'],
    ['cron(0 12 0 * ? *)', 'cron(0 12 0 * ? *): day-of-month: 0 is out of range 1-31'],
    ['cron(0 12 * 13 ? *)', 'cron(0 12 * 13 ? *): month: 13 is out of range 1-12'],
    ['cron(0 12 ? * 8 *)', 'cron(0 12 ? * 8 *): day-of-week: 8 is out of range 1-7 (1 = SUN … 7 = SAT)'],
    [
      // Unix cron's Sunday is 0; EventBridge's is 1.
      'cron(0 12 ? * 0 *)',
      'cron(0 12 ? * 0 *): day-of-week: 0 is out of range 1-7 (1 = SUN … 7 = SAT)',
    ],
    ['cron(0 12 * * ? 2200)', 'cron(0 12 * * ? 2200): year: 2200 is out of range 1970-2199'],
    ['cron(0 12 * * ? 1969)', 'cron(0 12 * * ? 1969): year: 1969 is out of range 1970-2199'],
    ['cron(0 12 ? * 1/2 *)', 'cron(0 12 ? * 1/2 *): day-of-week: / is not allowed in day-of-week'],
    [
      'cron(0 12 ? * 3#1,6#3 *)',
      'cron(0 12 ? * 3#1,6#3 *): day-of-week: # must stand alone: only one n#k is allowed',
    ],
    [
      'cron(0 12 ? * 2#6 *)',
      'cron(0 12 ? * 2#6 *): day-of-week: #6 is out of range: a day occurs at most 5 times in a month (#1-#5)',
    ],
    ['cron(0 12 L,15 * ? *)', 'cron(0 12 L,15 * ? *): day-of-month: L must stand alone'],
    [
      'cron(0 12 5L * ? *)',
      'cron(0 12 5L * ? *): day-of-month: 5L: nL is only allowed in day-of-week; L alone is the last day of the month',
    ],
    ['cron(0 12 ?,1 * ? *)', 'cron(0 12 ?,1 * ? *): day-of-month: ? must stand alone'],
    [
      'cron(0 12 ? * MON-FRIDAY *)',
      'cron(0 12 ? * MON-FRIDAY *): day-of-week: "FRIDAY" is not a valid value (expected 1-7 or SUN-SAT)',
    ],
    [
      'cron(0 12 1 JUL-MAR ? *)',
      'cron(0 12 1 JUL-MAR ? *): month: the range JUL-MAR runs backwards; write it as two ranges',
    ],
    [
      'cron(0/0 12 * * ? *)',
      'cron(0/0 12 * * ? *): minutes: the increment in "0/0" must be a whole number from 1 to 59',
    ],
    ['cron(0 12 1,,2 * ? *)', 'cron(0 12 1,,2 * ? *): day-of-month: empty value in the list "1,,2"'],
    ['cron(*,5 12 * * ? *)', 'cron(*,5 12 * * ? *): minutes: * cannot be combined with other values'],
    [
      '0 12 * * ? *',
      '0 12 * * ? *: expected cron(minutes hours day-of-month month day-of-week year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)',
    ],
  ])('%s', (expression, message) => {
    const error = catchError(() => parseScheduleExpression(expression));
    expect(error).toBeInstanceOf(ScheduleExpressionError);
    expect(error.message).toBe(message);
    expect(error.expression).toBe(expression);
  });

  it('names the field at fault on the error', () => {
    const error = catchError(() => parseScheduleExpression('cron(0 12 ? * 8 *)'));
    expect(error.field).toBe('day-of-week');
    expect(error.problem).toBe('8 is out of range 1-7 (1 = SUN … 7 = SAT)');
  });

  it('checks a hand-built expression as strictly as a string', () => {
    const bad = {
      kind: 'cron',
      minutes: '0',
      hours: '12',
      dayOfMonth: '*',
      month: '*',
      dayOfWeek: '*',
      year: '*',
    } as const;
    expect(() => nextFireTimes(bad, { after: new Date(0), count: 1 })).toThrow(
      'day-of-month and day-of-week cannot both be specified',
    );
  });
});

function catchError(action: () => unknown): ScheduleExpressionError {
  try {
    action();
  } catch (error) {
    if (error instanceof ScheduleExpressionError) return error;
    throw error;
  }
  throw new Error('expected a ScheduleExpressionError');
}
