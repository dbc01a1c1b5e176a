import { fireTimesBetween, nextFireTimes, parseScheduleExpression } from '@stevedore/core/schedule';
import { describe, expect, it } from 'vitest';

const iso = (dates: readonly Date[]): string[] =>
  dates.map((date) => date.toISOString().replace(':00.000Z', 'Z'));

/** The next `count` fire times after `after` (UTC), as `yyyy-mm-ddThh:mmZ`. */
function next(expression: string, after: string, count: number, timezone?: string): string[] {
  const options = { after: new Date(after), count };
  return iso(nextFireTimes(expression, timezone === undefined ? options : { ...options, timezone }));
}

describe('cron expressions: fire times (UTC)', () => {
  it.each<[string, string, string, number, string[]]>([
    [
      'every 5 minutes',
      'cron(0/5 * * * ? *)',
      '2026-01-01T00:02:00Z',
      4,
      ['2026-01-01T00:05Z', '2026-01-01T00:10Z', '2026-01-01T00:15Z', '2026-01-01T00:20Z'],
    ],
    [
      'every 15 minutes, 0/15, across an hour',
      'cron(0/15 * * * ? *)',
      '2026-01-01T10:40:00Z',
      3,
      ['2026-01-01T10:45Z', '2026-01-01T11:00Z', '2026-01-01T11:15Z'],
    ],
    [
      '1/10: every tenth minute from minute 1, as AWS documents it',
      'cron(1/10 * * * ? *)',
      '2026-01-01T00:45:00Z',
      3,
      ['2026-01-01T00:51Z', '2026-01-01T01:01Z', '2026-01-01T01:11Z'],
    ],
    [
      'a range with a step, 10-40/15 (the 55th minute is not in it)',
      'cron(10-40/15 9 * * ? *)',
      '2026-01-01T00:00:00Z',
      4,
      ['2026-01-01T09:10Z', '2026-01-01T09:25Z', '2026-01-01T09:40Z', '2026-01-02T09:10Z'],
    ],
    [
      'hours 8-18/5 and a list of minutes',
      'cron(0,30 8-18/5 * * ? *)',
      '2026-01-01T00:00:00Z',
      7,
      [
        '2026-01-01T08:00Z',
        '2026-01-01T08:30Z',
        '2026-01-01T13:00Z',
        '2026-01-01T13:30Z',
        '2026-01-01T18:00Z',
        '2026-01-01T18:30Z',
        '2026-01-02T08:00Z',
      ],
    ],
    [
      'weekdays at 09:00 (Thu 1 Jan 2026 → Fri → Mon)',
      'cron(0 9 ? * MON-FRI *)',
      '2026-01-01T00:00:00Z',
      4,
      ['2026-01-01T09:00Z', '2026-01-02T09:00Z', '2026-01-05T09:00Z', '2026-01-06T09:00Z'],
    ],
    [
      'weekdays by number: 2-6 is MON-FRI, since 1 is SUNDAY',
      'cron(0 9 ? * 2-6 *)',
      '2026-01-02T10:00:00Z',
      2,
      ['2026-01-05T09:00Z', '2026-01-06T09:00Z'],
    ],
    [
      'day-of-week 1 is SUNDAY (4 Jan 2026 is a Sunday)',
      'cron(0 9 ? * 1 *)',
      '2026-01-01T00:00:00Z',
      2,
      ['2026-01-04T09:00Z', '2026-01-11T09:00Z'],
    ],
    [
      'day-of-week 7 is SATURDAY, and so is L alone (the last day of the week)',
      'cron(0 9 ? * L *)',
      '2026-01-01T00:00:00Z',
      2,
      ['2026-01-03T09:00Z', '2026-01-10T09:00Z'],
    ],
    [
      '6L: the last Friday of each month (6 = FRIDAY)',
      'cron(0 18 ? * 6L *)',
      '2026-01-01T00:00:00Z',
      5,
      [
        '2026-01-30T18:00Z',
        '2026-02-27T18:00Z',
        '2026-03-27T18:00Z',
        '2026-04-24T18:00Z',
        '2026-05-29T18:00Z',
      ],
    ],
    [
      'FRIL: the last Friday, by name',
      'cron(0 18 ? * FRIL *)',
      '2026-07-01T00:00:00Z',
      2,
      ['2026-07-31T18:00Z', '2026-08-28T18:00Z'],
    ],
    [
      '2#1: the first Monday of each month (2 = MONDAY)',
      'cron(0 10 ? * 2#1 *)',
      '2026-01-01T00:00:00Z',
      5,
      [
        '2026-01-05T10:00Z',
        '2026-02-02T10:00Z',
        '2026-03-02T10:00Z',
        '2026-04-06T10:00Z',
        '2026-05-04T10:00Z',
      ],
    ],
    [
      '3#2: the second Tuesday, as in the AWS guide',
      'cron(0 10 ? * 3#2 *)',
      '2026-01-01T00:00:00Z',
      2,
      ['2026-01-13T10:00Z', '2026-02-10T10:00Z'],
    ],
    [
      'L: the last day of each month, February in a common year',
      'cron(0 12 L * ? *)',
      '2026-01-01T00:00:00Z',
      4,
      ['2026-01-31T12:00Z', '2026-02-28T12:00Z', '2026-03-31T12:00Z', '2026-04-30T12:00Z'],
    ],
    [
      'L: February 29 in the leap year 2028',
      'cron(0 12 L * ? *)',
      '2028-01-31T13:00:00Z',
      2,
      ['2028-02-29T12:00Z', '2028-03-31T12:00Z'],
    ],
    [
      'L: February 28 in 2100, which is not a leap year',
      'cron(0 12 L 2 ? *)',
      '2099-12-31T00:00:00Z',
      1,
      ['2100-02-28T12:00Z'],
    ],
    [
      '15W: the weekday nearest the 15th (Sun 15 Feb → Mon 16; Sun 15 Mar → Mon 16)',
      'cron(0 8 15W * ? *)',
      '2026-01-01T00:00:00Z',
      4,
      ['2026-01-15T08:00Z', '2026-02-16T08:00Z', '2026-03-16T08:00Z', '2026-04-15T08:00Z'],
    ],
    [
      '15W: Sat 15 Aug 2026 → Fri 14',
      'cron(0 8 15W * ? *)',
      '2026-08-01T00:00:00Z',
      1,
      ['2026-08-14T08:00Z'],
    ],
    [
      '1W does not cross into the previous month: Sat 1 Aug 2026 → Mon 3, not Fri 31 Jul',
      'cron(0 8 1W * ? *)',
      '2026-07-02T00:00:00Z',
      1,
      ['2026-08-03T08:00Z'],
    ],
    [
      '1W: Sun 1 Feb 2026 → Mon 2; Sun 1 Mar → Mon 2; Wed 1 Apr stays',
      'cron(0 8 1W * ? *)',
      '2026-01-02T00:00:00Z',
      3,
      ['2026-02-02T08:00Z', '2026-03-02T08:00Z', '2026-04-01T08:00Z'],
    ],
    [
      'LW: the last weekday of the month (Sat 31 Jan → Fri 30; Sat 28 Feb → Fri 27)',
      'cron(0 8 LW * ? *)',
      '2026-01-01T00:00:00Z',
      3,
      ['2026-01-30T08:00Z', '2026-02-27T08:00Z', '2026-03-31T08:00Z'],
    ],
    [
      'a day-of-month step: 1/10 is the 1st, 11th, 21st and 31st',
      'cron(0 0 1/10 * ? *)',
      '2026-01-01T00:00:00Z',
      5,
      [
        '2026-01-11T00:00Z',
        '2026-01-21T00:00Z',
        '2026-01-31T00:00Z',
        '2026-02-01T00:00Z',
        '2026-02-11T00:00Z',
      ],
    ],
    [
      'month names in a list',
      'cron(0 12 1 JAN,APR,JUL,OCT ? *)',
      '2026-01-01T12:00:00Z',
      3,
      ['2026-04-01T12:00Z', '2026-07-01T12:00Z', '2026-10-01T12:00Z'],
    ],
    [
      'a month range by name, with a step: JAN-DEC/3 is the quarters',
      'cron(0 12 1 JAN-DEC/3 ? *)',
      '2026-01-01T12:00:00Z',
      2,
      ['2026-04-01T12:00Z', '2026-07-01T12:00Z'],
    ],
    [
      'names are not case-sensitive',
      'cron(0 9 ? jan mon *)',
      '2026-01-01T00:00:00Z',
      2,
      ['2026-01-05T09:00Z', '2026-01-12T09:00Z'],
    ],
    [
      'the year field: 2027-2028 only',
      'cron(0 0 1 1 ? 2027-2028)',
      '2026-01-01T00:00:00Z',
      5,
      ['2027-01-01T00:00Z', '2028-01-01T00:00Z'],
    ],
    [
      'a list of years',
      'cron(0 0 1 1 ? 2026,2028,2030)',
      '2026-01-01T00:00:00Z',
      5,
      ['2028-01-01T00:00Z', '2030-01-01T00:00Z'],
    ],
    [
      'years with a step: 2026/2 is every other year',
      'cron(0 0 1 1 ? 2026/2)',
      '2025-12-31T00:00:00Z',
      3,
      ['2026-01-01T00:00Z', '2028-01-01T00:00Z', '2030-01-01T00:00Z'],
    ],
    [
      'nothing after 2199, the last year AWS allows',
      'cron(0 0 1 1 ? *)',
      '2198-06-01T00:00:00Z',
      5,
      ['2199-01-01T00:00Z'],
    ],
    ['a year that has passed: nothing', 'cron(0 0 1 1 ? 2025)', '2026-01-01T00:00:00Z', 3, []],
    ['a date that never comes: nothing', 'cron(0 0 30 2 ? *)', '2026-01-01T00:00:00Z', 3, []],
  ])('%s: %s', (_what, expression, after, count, expected) => {
    expect(next(expression, after, count)).toEqual(expected);
  });
});

describe('cron expressions: time zones and daylight saving time', () => {
  // EventBridge Scheduler: "When time shifts forward in the Spring, if a cron expression falls on a
  // non-existent date and time, your schedule invocation is skipped. When time shifts backwards in the
  // Fall, your schedule runs only once and does not repeat its invocation."
  it.each<[string, string, string, string, number, string[]]>([
    [
      'Paris, spring forward (29 Mar 2026, 02:00 → 03:00): 02:30 is skipped that day',
      'cron(30 2 * * ? *)',
      'Europe/Paris',
      '2026-03-27T12:00:00Z',
      3,
      ['2026-03-28T01:30Z', '2026-03-30T00:30Z', '2026-03-31T00:30Z'],
    ],
    [
      'Paris, fall back (25 Oct 2026, 03:00 → 02:00): 02:30 runs once, at its first occurrence (CEST)',
      'cron(30 2 * * ? *)',
      'Europe/Paris',
      '2026-10-23T12:00:00Z',
      3,
      ['2026-10-24T00:30Z', '2026-10-25T00:30Z', '2026-10-26T01:30Z'],
    ],
    [
      'Paris, 09:00 daily keeps local time across spring forward',
      'cron(0 9 * * ? *)',
      'Europe/Paris',
      '2026-03-28T00:00:00Z',
      2,
      ['2026-03-28T08:00Z', '2026-03-29T07:00Z'],
    ],
    [
      'Paris, 09:00 daily keeps local time across fall back',
      'cron(0 9 * * ? *)',
      'Europe/Paris',
      '2026-10-24T00:00:00Z',
      2,
      ['2026-10-24T07:00Z', '2026-10-25T08:00Z'],
    ],
    [
      'New York, spring forward (8 Mar 2026, 02:00 → 03:00): 02:30 is skipped that day',
      'cron(30 2 * * ? *)',
      'America/New_York',
      '2026-03-06T12:00:00Z',
      3,
      ['2026-03-07T07:30Z', '2026-03-09T06:30Z', '2026-03-10T06:30Z'],
    ],
    [
      'New York, spring forward: 02:00 (the start of the gap) is skipped too, not moved to 03:00',
      'cron(0 2 * * ? *)',
      'America/New_York',
      '2026-03-07T12:00:00Z',
      1,
      ['2026-03-09T06:00Z'],
    ],
    [
      'New York, fall back (1 Nov 2026, 02:00 → 01:00): 01:30 runs once, at 01:30 EDT',
      'cron(30 1 * * ? *)',
      'America/New_York',
      '2026-10-30T12:00:00Z',
      3,
      ['2026-10-31T05:30Z', '2026-11-01T05:30Z', '2026-11-02T06:30Z'],
    ],
    [
      'New York, weekdays at 09:00 across spring forward (Fri 6 Mar EST, Mon 9 Mar EDT)',
      'cron(0 9 ? * MON-FRI *)',
      'America/New_York',
      '2026-03-06T00:00:00Z',
      2,
      ['2026-03-06T14:00Z', '2026-03-09T13:00Z'],
    ],
    [
      'New York, every 30 minutes through spring forward: no 02:00 or 02:30 that night',
      'cron(0/30 * * * ? *)',
      'America/New_York',
      '2026-03-08T05:45:00Z',
      4,
      ['2026-03-08T06:00Z', '2026-03-08T06:30Z', '2026-03-08T07:00Z', '2026-03-08T07:30Z'],
    ],
  ])('%s', (_what, expression, timezone, after, count, expected) => {
    expect(next(expression, after, count, timezone)).toEqual(expected);
  });

  it('every 30 minutes through fall back: the repeated 01:00 and 01:30 (EST) do not run again', () => {
    const times = fireTimesBetween('cron(0/30 * * * ? *)', {
      from: new Date('2026-11-01T04:00:00Z'),
      to: new Date('2026-11-01T08:00:00Z'),
      timezone: 'America/New_York',
    });
    // 00:30 EDT, 01:00 EDT, 01:30 EDT, (01:00 EST and 01:30 EST skipped), 02:00 EST, 02:30 EST, 03:00 EST.
    expect(iso(times)).toEqual([
      '2026-11-01T04:30Z',
      '2026-11-01T05:00Z',
      '2026-11-01T05:30Z',
      '2026-11-01T07:00Z',
      '2026-11-01T07:30Z',
      '2026-11-01T08:00Z',
    ]);
  });

  it('the same expression fires at different instants in different time zones', () => {
    const after = '2026-06-01T00:00:00Z';
    expect(next('cron(0 9 * * ? *)', after, 1)).toEqual(['2026-06-01T09:00Z']);
    expect(next('cron(0 9 * * ? *)', after, 1, 'UTC')).toEqual(['2026-06-01T09:00Z']);
    expect(next('cron(0 9 * * ? *)', after, 1, 'Asia/Kolkata')).toEqual(['2026-06-01T03:30Z']);
    expect(next('cron(0 9 * * ? *)', after, 1, 'America/New_York')).toEqual(['2026-06-01T13:00Z']);
  });
});

describe('cron expressions: startAt and windows', () => {
  it('a cron schedule fires at or after its startAt', () => {
    const times = nextFireTimes('cron(0 * * * ? *)', {
      after: new Date('2026-01-01T00:00:00Z'),
      startAt: new Date('2026-01-01T05:00:00Z'),
      count: 2,
    });
    expect(iso(times)).toEqual(['2026-01-01T05:00Z', '2026-01-01T06:00Z']);
  });

  it('fireTimesBetween is (from, to]: excludes from, includes to, stops at limit', () => {
    const window = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T01:00:00Z') };
    expect(fireTimesBetween('cron(0/15 * * * ? *)', window)).toHaveLength(4);
    expect(iso(fireTimesBetween('cron(0/15 * * * ? *)', { ...window, limit: 2 }))).toEqual([
      '2026-01-01T00:15Z',
      '2026-01-01T00:30Z',
    ]);
    expect(fireTimesBetween('cron(0/15 * * * ? *)', { from: window.to, to: window.from })).toEqual([]);
  });

  it('takes a parsed expression as well as a string', () => {
    const parsed = parseScheduleExpression('cron(0 18 ? * 6L *)');
    const options = { after: new Date('2026-01-01T00:00:00Z'), count: 3 };
    expect(nextFireTimes(parsed, options)).toEqual(nextFireTimes('cron(0 18 ? * 6L *)', options));
  });
});
