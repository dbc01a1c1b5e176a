import { fireTimesBetween, nextFireTimes } from '@stevedore/core/schedule';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/*
 * Random simple cron expressions (numbers, lists, ranges and steps; one of day-of-month and
 * day-of-week is ?) in time zones with and without daylight saving time, checked against this
 * file's own reading of the fields: no croner, no code from packages/core.
 */

const TIMEZONES = [
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Australia/Lord_Howe', // a 30-minute daylight saving shift
  'Pacific/Chatham', // UTC+12:45 / +13:45
];
const MINUTE_MS = 60_000;

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = SUN … 7 = SAT, as EventBridge counts. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallOf(time: number, timezone: string): Wall {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, formatter);
  }
  const part = (type: string): number =>
    Number(formatter.formatToParts(time).find((candidate) => candidate.type === type)?.value);
  const [year, month, day] = [part('year'), part('month'), part('day')];
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
  return { year, month, day, hour: part('hour'), minute: part('minute'), second: part('second'), weekday };
}

const sameWall = (a: Wall, b: Wall): boolean =>
  a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute;

/** The values a simple field allows: `*`, `v`, `a-b`, `a/n`, `a-b/n`, `*\/n`, and lists of them. */
function valuesOf(field: string, min: number, max: number): Set<number> {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [low = '', high] = range.split('-');
    const start = low === '*' ? min : Number(low);
    const end = low === '*' ? max : high !== undefined ? Number(high) : stepText !== undefined ? max : start;
    for (let value = start; value <= end; value += step) values.add(value);
  }
  return values;
}

function simpleField(min: number, max: number, steps: boolean): fc.Arbitrary<string> {
  const value = fc.integer({ min, max });
  const range = fc.tuple(value, value).map(([a, b]) => (a <= b ? `${a}-${b}` : `${b}-${a}`));
  const step = fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) });
  const items = [value.map(String), range];
  if (steps) {
    items.push(
      fc.tuple(value, step).map(([a, n]) => `${a}/${n}`),
      fc.tuple(range, step).map(([r, n]) => `${r}/${n}`),
      step.map((n) => `*/${n}`),
    );
  }
  const item = fc.oneof(...items);
  return fc.oneof(
    { arbitrary: fc.constant('*'), weight: 2 },
    { arbitrary: item, weight: 3 },
    { arbitrary: fc.array(item, { minLength: 2, maxLength: 3 }).map((list) => list.join(',')), weight: 1 },
  );
}

interface Case {
  minutes: string;
  hours: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
  year: string;
}

const days = fc.oneof(
  simpleField(1, 31, true).map((dayOfMonth) => ({ dayOfMonth, dayOfWeek: '?' })),
  simpleField(1, 7, false).map((dayOfWeek) => ({ dayOfMonth: '?', dayOfWeek })),
);
const cases: fc.Arbitrary<Case> = fc
  .record({
    minutes: simpleField(0, 59, true),
    hours: simpleField(0, 23, true),
    days,
    month: simpleField(1, 12, true),
    year: fc.oneof(
      fc.constant('*'),
      simpleField(2025, 2032, true).filter((field) => field !== '*'),
    ),
  })
  .map(({ days: { dayOfMonth, dayOfWeek }, ...rest }) => ({ ...rest, dayOfMonth, dayOfWeek }));

const expressionOf = (c: Case): string =>
  `cron(${c.minutes} ${c.hours} ${c.dayOfMonth} ${c.month} ${c.dayOfWeek} ${c.year})`;

function matches(c: Case, wall: Wall): boolean {
  return (
    wall.second === 0 &&
    valuesOf(c.minutes, 0, 59).has(wall.minute) &&
    valuesOf(c.hours, 0, 23).has(wall.hour) &&
    (c.dayOfMonth === '?' || valuesOf(c.dayOfMonth, 1, 31).has(wall.day)) &&
    valuesOf(c.month, 1, 12).has(wall.month) &&
    (c.dayOfWeek === '?' || valuesOf(c.dayOfWeek, 1, 7).has(wall.weekday)) &&
    valuesOf(c.year, 1970, 2199).has(wall.year)
  );
}

/** Whether the local time of `time` was already shown earlier (clocks went back): shifts are whole quarters. */
function isRepeat(time: number, timezone: string): boolean {
  const wall = wallOf(time, timezone);
  for (let back = 15 * MINUTE_MS; back <= 2 * 60 * MINUTE_MS; back += 15 * MINUTE_MS) {
    if (sameWall(wallOf(time - back, timezone), wall)) return true;
  }
  return false;
}

const afters = fc.date({
  min: new Date('2025-01-01T00:00:00Z'),
  max: new Date('2030-12-31T00:00:00Z'),
  noInvalidDate: true,
});

describe('nextFireTimes: properties of cron expressions', () => {
  it('returns increasing times after `after`, each matching every field in the time zone, none repeated', () => {
    fc.assert(
      fc.property(
        cases,
        fc.constantFrom(...TIMEZONES),
        afters,
        fc.integer({ min: 1, max: 12 }),
        (c, timezone, after, count) => {
          const times = nextFireTimes(expressionOf(c), { after, count, timezone }).map((time) =>
            time.getTime(),
          );
          expect(times.length).toBeLessThanOrEqual(count);
          let previous = after.getTime();
          for (const time of times) {
            expect(time).toBeGreaterThan(previous);
            previous = time;
            const wall = wallOf(time, timezone);
            expect(matches(c, wall), `${new Date(time).toISOString()} is ${JSON.stringify(wall)}`).toBe(true);
            expect(isRepeat(time, timezone), `${new Date(time).toISOString()} repeats a local time`).toBe(
              false,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('misses no time: every matching minute that exists and is not a repeat is returned', () => {
    const frequent = fc.record({
      minutes: simpleField(0, 59, true),
      hours: simpleField(0, 23, true),
      dayOfMonth: fc.constant('*'),
      month: fc.constant('*'),
      dayOfWeek: fc.constant('?'),
      year: fc.constant('*'),
    });
    fc.assert(
      fc.property(
        frequent,
        fc.constantFrom(...TIMEZONES),
        afters,
        fc.integer({ min: 1, max: 6 }),
        (c, timezone, after, count) => {
          const times = nextFireTimes(expressionOf(c), { after, count, timezone }).map((time) =>
            time.getTime(),
          );
          expect(times).toHaveLength(count);
          const last = times[times.length - 1] ?? after.getTime();
          const returned = new Set(times);
          const first = Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
          for (let minute = first; minute <= last; minute += MINUTE_MS) {
            if (!matches(c, wallOf(minute, timezone)) || isRepeat(minute, timezone)) continue;
            expect(returned.has(minute), `${new Date(minute).toISOString()} is missing`).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it.each<[string, number]>([
    ['UTC', 0],
    ['Asia/Kolkata', 0],
    ['America/Sao_Paulo', 0],
    ['Europe/Paris', 2],
    ['America/New_York', 2],
    ['Australia/Lord_Howe', 2],
    ['Pacific/Chatham', 2],
  ])(
    'every 15 minutes through the %s transitions of 2026 (%i): each local time once, none in a gap',
    (timezone, transitions) => {
      const HOUR_MS = 60 * MINUTE_MS;
      const offsetOf = (time: number): number => {
        const w = wallOf(time, timezone);
        return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - time;
      };
      const DAY_MS = 24 * HOUR_MS;
      const found: number[] = [];
      for (let day = Date.UTC(2026, 0, 2); day <= Date.UTC(2027, 0, 1); day += DAY_MS) {
        if (offsetOf(day) === offsetOf(day - DAY_MS)) continue;
        for (let hour = day - DAY_MS + HOUR_MS; hour <= day; hour += HOUR_MS) {
          if (offsetOf(hour) !== offsetOf(hour - HOUR_MS)) found.push(hour);
        }
      }
      expect(found).toHaveLength(transitions);
      for (const transition of found) {
        const from = transition - 4 * HOUR_MS;
        const to = transition + 4 * HOUR_MS;
        // Every offset here is whole quarter hours, so local quarter hours are UTC quarter hours.
        const expected: number[] = [];
        for (let time = from + 15 * MINUTE_MS; time <= to; time += 15 * MINUTE_MS) {
          if (!isRepeat(time, timezone)) expected.push(time);
        }
        const times = fireTimesBetween('cron(0/15 * * * ? *)', {
          from: new Date(from),
          to: new Date(to),
          timezone,
        });
        expect(times.map((time) => time.getTime())).toEqual(expected);
      }
    },
  );
});
