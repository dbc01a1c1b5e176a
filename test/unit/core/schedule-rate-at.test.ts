import {
  checkTimezone,
  fireTimesBetween,
  formatScheduleExpression,
  nextFireTimes,
  onRateGrid,
  parseScheduleExpression,
  ScheduleExpressionError,
} from '@stevedore/core/schedule';
import { describe, expect, it } from 'vitest';

const iso = (dates: readonly Date[]): string[] => dates.map((date) => date.toISOString());

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleExpressionError);
    return (error as ScheduleExpressionError).message;
  }
  throw new Error('expected a ScheduleExpressionError');
}

describe('rate expressions', () => {
  it.each<[string, string, string, string, number, string[]]>([
    [
      'rate(1 minute) from a startAt with seconds',
      'rate(1 minute)',
      '2026-01-01T00:00:30.000Z',
      '2026-01-01T00:00:00.000Z',
      3,
      ['2026-01-01T00:00:30.000Z', '2026-01-01T00:01:30.000Z', '2026-01-01T00:02:30.000Z'],
    ],
    [
      'rate(3 hours): every three hours from the start, not from midnight',
      'rate(3 hours)',
      '2026-01-01T00:10:00.000Z',
      '2026-01-01T05:00:00.000Z',
      3,
      ['2026-01-01T06:10:00.000Z', '2026-01-01T09:10:00.000Z', '2026-01-01T12:10:00.000Z'],
    ],
    [
      'rate(2 days): the start itself is not after `after`',
      'rate(2 days)',
      '2026-01-01T09:00:00.000Z',
      '2026-01-01T09:00:00.000Z',
      2,
      ['2026-01-03T09:00:00.000Z', '2026-01-05T09:00:00.000Z'],
    ],
    [
      'a start after `after`: the start is the first occurrence',
      'rate(2 days)',
      '2026-06-10T12:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      2,
      ['2026-06-10T12:00:00.000Z', '2026-06-12T12:00:00.000Z'],
    ],
  ])('%s', (_what, expression, startAt, after, count, expected) => {
    const times = nextFireTimes(expression, { after: new Date(after), startAt: new Date(startAt), count });
    expect(iso(times)).toEqual(expected);
  });

  it('without a startAt counts from the epoch, so every reader agrees on the times', () => {
    const times = nextFireTimes('rate(5 minutes)', { after: new Date('2026-01-01T00:02:00Z'), count: 2 });
    expect(iso(times)).toEqual(['2026-01-01T00:05:00.000Z', '2026-01-01T00:10:00.000Z']);
  });

  it('a day is 24 hours, whatever the time zone does ("days represents a 24-hour duration")', () => {
    // Paris springs forward on 29 March 2026: 10:00 CET becomes 11:00 CEST, 24 hours on.
    const times = nextFireTimes('rate(1 day)', {
      after: new Date('2026-03-28T09:00:00Z'),
      startAt: new Date('2026-03-27T09:00:00Z'),
      timezone: 'Europe/Paris',
      count: 2,
    });
    expect(iso(times)).toEqual(['2026-03-29T09:00:00.000Z', '2026-03-30T09:00:00.000Z']);
  });

  it('fireTimesBetween finds the runs of a window (from, to]', () => {
    const times = fireTimesBetween('rate(10 minutes)', {
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-01-01T00:30:00Z'),
      startAt: new Date('2026-01-01T00:00:00Z'),
    });
    expect(iso(times)).toEqual([
      '2026-01-01T00:10:00.000Z',
      '2026-01-01T00:20:00.000Z',
      '2026-01-01T00:30:00.000Z',
    ]);
  });

  it('stops at the largest time a Date holds', () => {
    // 100 periods of a million days from the epoch is exactly the largest Date; the next is not one.
    const times = nextFireTimes('rate(1000000 days)', { after: new Date(8.6e15), count: 5 });
    expect(times.map((time) => time.getTime())).toEqual([8.64e15]);
  });

  it.each([
    ['rate(1 minute)', { kind: 'rate', value: 1, unit: 'minute' }],
    ['rate(5 minutes)', { kind: 'rate', value: 5, unit: 'minute' }],
    ['rate(1 hour)', { kind: 'rate', value: 1, unit: 'hour' }],
    ['rate(12 hours)', { kind: 'rate', value: 12, unit: 'hour' }],
    ['rate(1 day)', { kind: 'rate', value: 1, unit: 'day' }],
    ['rate(30 days)', { kind: 'rate', value: 30, unit: 'day' }],
  ])('parses %s, and formats it back', (expression, parsed) => {
    expect(parseScheduleExpression(expression)).toEqual(parsed);
    expect(formatScheduleExpression(parseScheduleExpression(expression))).toBe(expression);
  });

  it.each([
    ['rate(0 minutes)', 'rate(0 minutes): value: must be a positive whole number, got 0'],
    ['rate(-5 minutes)', 'rate(-5 minutes): value: must be a positive whole number, got -5'],
    ['rate(1.5 hours)', 'rate(1.5 hours): value: must be a positive whole number, got 1.5'],
    ['rate(1 minutes)', 'rate(1 minutes): unit: use "minute" when the value is 1'],
    ['rate(1 days)', 'rate(1 days): unit: use "day" when the value is 1'],
    ['rate(5 minute)', 'rate(5 minute): unit: use "minutes" when the value is not 1'],
    ['rate(5 weeks)', 'rate(5 weeks): unit: must be minute, minutes, hour, hours, day or days, got "weeks"'],
    [
      'rate(30 seconds)',
      'rate(30 seconds): unit: must be minute, minutes, hour, hours, day or days, got "seconds"',
    ],
    ['rate(5)', 'rate(5): expected rate(value unit), got 1 fields'],
    ['rate(5 minutes now)', 'rate(5 minutes now): expected rate(value unit), got 3 fields'],
  ])('rejects %s', (expression, message) => {
    expect(messageOf(() => parseScheduleExpression(expression))).toBe(message);
  });

  it('checks a hand-built rate as strictly as a string', () => {
    const message = messageOf(() =>
      nextFireTimes({ kind: 'rate', value: 0, unit: 'minute' }, { after: new Date(0), count: 1 }),
    );
    expect(message).toBe('rate(0 minutes): value: must be a positive whole number, got 0');
  });
});

describe('rate grids', () => {
  const anchor = new Date('2026-11-22T10:02:37Z');

  it('tells whether a time is a fire time of a rate counted from an anchor, before or after it', () => {
    expect(onRateGrid('rate(5 minutes)', new Date('2026-11-22T10:12:37Z'), anchor)).toBe(true);
    expect(onRateGrid('rate(5 minutes)', new Date('2026-11-22T09:57:37Z'), anchor)).toBe(true);
    expect(onRateGrid('rate(5 minutes)', new Date('2026-11-22T10:10:00Z'), anchor)).toBe(false);
    expect(onRateGrid('rate(1 day)', new Date('2026-11-25T10:02:37Z'), anchor)).toBe(true);
    expect(onRateGrid('rate(1 day)', new Date('2026-11-25T10:02:38Z'), anchor)).toBe(false);
  });

  it('holds for every time of a cron or at() expression (they have no anchor)', () => {
    expect(onRateGrid('cron(0 6 * * ? *)', new Date('2026-11-22T10:10:00Z'), anchor)).toBe(true);
  });
});

describe('at expressions', () => {
  const christmas = 'at(2026-12-25T08:00:00)';

  it('fires once, at the local time in its time zone (08:00 in Tokyo is 23:00 UTC the day before)', () => {
    const times = nextFireTimes(christmas, {
      after: new Date('2026-01-01T00:00:00Z'),
      timezone: 'Asia/Tokyo',
      count: 3,
    });
    expect(iso(times)).toEqual(['2026-12-24T23:00:00.000Z']);
  });

  it.each([
    ['at the fire time itself', '2026-12-24T23:00:00Z'],
    ['after it', '2026-12-25T00:00:00Z'],
  ])('has no fire time %s', (_what, after) => {
    expect(nextFireTimes(christmas, { after: new Date(after), timezone: 'Asia/Tokyo', count: 3 })).toEqual(
      [],
    );
  });

  it('is read in UTC without a time zone, and ignores startAt', () => {
    const times = nextFireTimes(christmas, {
      after: new Date('2026-01-01T00:00:00Z'),
      startAt: new Date('2027-01-01T00:00:00Z'),
      count: 1,
    });
    expect(iso(times)).toEqual(['2026-12-25T08:00:00.000Z']);
  });

  it.each([
    // AWS documents nothing for a one-time schedule in a gap; moving on (as Temporal does) beats never firing.
    [
      'a time in the spring-forward gap moves on by the gap: 02:30 → 03:30 EDT',
      'at(2026-03-08T02:30:00)',
      '2026-03-08T07:30:00.000Z',
    ],
    [
      'a time that happens twice runs at its first occurrence: 01:30 EDT',
      'at(2026-11-01T01:30:00)',
      '2026-11-01T05:30:00.000Z',
    ],
  ])('New York: %s', (_what, expression, expected) => {
    const times = nextFireTimes(expression, { after: new Date(0), timezone: 'America/New_York', count: 1 });
    expect(iso(times)).toEqual([expected]);
  });

  it('fireTimesBetween sees it only in a window that holds it', () => {
    const window = { from: new Date('2026-12-24T00:00:00Z'), to: new Date('2026-12-24T23:00:00Z') };
    expect(iso(fireTimesBetween(christmas, { ...window, timezone: 'Asia/Tokyo' }))).toEqual([
      '2026-12-24T23:00:00.000Z',
    ]);
    expect(fireTimesBetween(christmas, window)).toEqual([]);
  });

  it('parses to its local date and time, and formats back', () => {
    expect(parseScheduleExpression(christmas)).toEqual({ kind: 'at', local: '2026-12-25T08:00:00' });
    expect(formatScheduleExpression({ kind: 'at', local: '2026-12-25T08:00:00' })).toBe(christmas);
    expect(parseScheduleExpression('at(2028-02-29T23:59:59)').kind).toBe('at');
  });

  it.each([
    [
      'at(2026-12-25 08:00:00)',
      'at(2026-12-25 08:00:00): expected a local date and time as at(yyyy-mm-ddThh:mm:ss)',
    ],
    [
      'at(2026-12-25T08:00)',
      'at(2026-12-25T08:00): expected a local date and time as at(yyyy-mm-ddThh:mm:ss)',
    ],
    [
      'at(2026-12-25T08:00:00Z)',
      'at(2026-12-25T08:00:00Z): expected a local date and time as at(yyyy-mm-ddThh:mm:ss)',
    ],
    ['at(tomorrow)', 'at(tomorrow): expected a local date and time as at(yyyy-mm-ddThh:mm:ss)'],
    ['at(2026-13-01T00:00:00)', 'at(2026-13-01T00:00:00): month 13 is out of range 1-12'],
    ['at(2026-02-29T00:00:00)', 'at(2026-02-29T00:00:00): day 29 is out of range 1-28 for that month'],
    ['at(2026-04-31T00:00:00)', 'at(2026-04-31T00:00:00): day 31 is out of range 1-30 for that month'],
    ['at(2026-12-25T24:00:00)', 'at(2026-12-25T24:00:00): 24:00:00 is not a time of day (00:00:00-23:59:59)'],
    ['at(2026-12-25T08:60:00)', 'at(2026-12-25T08:60:00): 08:60:00 is not a time of day (00:00:00-23:59:59)'],
  ])('rejects %s', (expression, message) => {
    expect(messageOf(() => parseScheduleExpression(expression))).toBe(message);
  });
});

describe('time zones', () => {
  it.each(['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Lord_Howe', 'Etc/GMT+5'])(
    'accepts %s',
    (timezone) => {
      expect(() => checkTimezone(timezone)).not.toThrow();
    },
  );

  it.each([
    ['Mars/Olympus', 'time zone "Mars/Olympus": unknown; expected an IANA name such as Europe/Paris or UTC'],
    [
      'Europe/Pariss',
      'time zone "Europe/Pariss": unknown; expected an IANA name such as Europe/Paris or UTC',
    ],
    ['+05:00', 'time zone "+05:00": expected an IANA name such as Europe/Paris or UTC'],
    ['', 'time zone "": expected an IANA name such as Europe/Paris or UTC'],
    ['europe/paris', 'time zone "europe/paris": names are case-sensitive: write Europe/Paris'],
  ])('rejects %j', (timezone, message) => {
    expect(messageOf(() => checkTimezone(timezone))).toBe(message);
  });

  it.each(['cron(0 9 * * ? *)', 'rate(1 hour)', 'at(2026-12-25T08:00:00)'])(
    'an unknown time zone is an error for %s too',
    (expression) => {
      const options = { after: new Date(0), count: 1, timezone: 'Mars/Olympus' };
      expect(messageOf(() => nextFireTimes(expression, options))).toBe(
        'time zone "Mars/Olympus": unknown; expected an IANA name such as Europe/Paris or UTC',
      );
    },
  );
});

describe('arguments', () => {
  it.each([
    ['an invalid after', () => nextFireTimes('rate(1 hour)', { after: new Date(Number.NaN), count: 1 })],
    ['a negative count', () => nextFireTimes('rate(1 hour)', { after: new Date(0), count: -1 })],
    ['a fractional count', () => nextFireTimes('rate(1 hour)', { after: new Date(0), count: 1.5 })],
    [
      'an invalid limit',
      () => fireTimesBetween('rate(1 hour)', { from: new Date(0), to: new Date(1), limit: Number.NaN }),
    ],
  ])('throws a RangeError for %s', (_what, action) => {
    expect(action).toThrow(RangeError);
  });

  it('returns nothing for a count of 0, but still checks the expression', () => {
    expect(nextFireTimes('rate(1 hour)', { after: new Date(0), count: 0 })).toEqual([]);
    expect(() => nextFireTimes('rate(1 hours)', { after: new Date(0), count: 0 })).toThrow(
      ScheduleExpressionError,
    );
  });
});
