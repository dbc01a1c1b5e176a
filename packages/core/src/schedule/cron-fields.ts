import { ScheduleExpressionError } from './errors';

/*
 * EventBridge's cron dialect (Quartz-like, six fields, no seconds) checked field by field and
 * translated into a croner pattern. Where the dialects differ:
 * - day-of-week counts 1 = SUN … 7 = SAT (croner's `alternativeWeekdays`), and has no `/`;
 * - `?` is only allowed in day-of-month or day-of-week, and exactly one of them must be `?`
 *   (croner takes `?` anywhere, as `*`);
 * - `L` alone in day-of-week is SAT, the last day of the week (croner rejects it); `5L` is the last
 *   THU (croner spells it `5#L`);
 * - `a/n` means a, a+n, … up to the field's maximum (croner wants `a-max/n`);
 * - the year field is required and spans 1970-2199 (croner's is optional and spans 1-9999);
 * - `L`, `LW`, `nW`, `nL` and `n#k` stand alone in their field, as in Quartz: AWS documents that
 *   `#` cannot be listed, and documents no list form for the others.
 */

/** The six fields of an EventBridge cron expression, as written. */
export interface CronFields {
  minutes: string;
  hours: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
  year: string;
}

interface FieldSpec {
  key: keyof CronFields;
  /** The field's name in AWS's documentation, used in messages. */
  name: string;
  min: number;
  max: number;
  /** Largest increment after `/`, as Quartz allows it; undefined when `/` is not allowed. */
  maxStep: number | undefined;
  /** Names for 1, 2, …: JAN-DEC or SUN-SAT. */
  names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The fields in order, with AWS's ranges. */
const FIELD_SPECS: readonly FieldSpec[] = [
  { key: 'minutes', name: 'minutes', min: 0, max: 59, maxStep: 59 },
  { key: 'hours', name: 'hours', min: 0, max: 23, maxStep: 23 },
  { key: 'dayOfMonth', name: 'day-of-month', min: 1, max: 31, maxStep: 31 },
  { key: 'month', name: 'month', min: 1, max: 12, maxStep: 12, names: MONTH_NAMES },
  { key: 'dayOfWeek', name: 'day-of-week', min: 1, max: 7, maxStep: undefined, names: DAY_NAMES },
  { key: 'year', name: 'year', min: 1970, max: 2199, maxStep: 229 },
];

type Fail = (field: string | undefined, problem: string) => never;

function failer(source: string): Fail {
  return (field, problem) => {
    throw new ScheduleExpressionError(source, field, problem);
  };
}

/** Splits the inside of `cron(...)` into its six fields and checks them; `source` is named in errors. */
export function parseCronFields(source: string, body: string): CronFields {
  const parts = body.trim() === '' ? [] : body.trim().split(/\s+/);
  if (parts.length !== FIELD_SPECS.length) {
    failer(source)(
      undefined,
      `expected 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length}`,
    );
  }
  const [minutes = '', hours = '', dayOfMonth = '', month = '', dayOfWeek = '', year = ''] = parts;
  const fields = { minutes, hours, dayOfMonth, month, dayOfWeek, year };
  cronerPattern(fields, source);
  return fields;
}

/**
 * The croner pattern (seconds and year included: croner's 7-part mode) for cron fields, to be
 * evaluated with `alternativeWeekdays` and `domAndDow`. Throws ScheduleExpressionError naming the
 * field when the fields are not valid EventBridge cron.
 */
export function cronerPattern(fields: CronFields, source: string): string {
  const fail = failer(source);
  const compiled = FIELD_SPECS.map((spec) => compileField(spec, fields[spec.key], fail));
  const dayOfMonthAny = fields.dayOfMonth === '?';
  const dayOfWeekAny = fields.dayOfWeek === '?';
  if (!dayOfMonthAny && !dayOfWeekAny) {
    fail(undefined, 'day-of-month and day-of-week cannot both be specified; use ? in one of them');
  }
  if (dayOfMonthAny && dayOfWeekAny) {
    fail(undefined, 'day-of-month and day-of-week cannot both be ?; specify one of them');
  }
  return `0 ${compiled.join(' ')}`;
}

function compileField(spec: FieldSpec, text: string, fail: Fail): string {
  const upper = text.toUpperCase();
  if (upper === '?' && (spec.key === 'dayOfMonth' || spec.key === 'dayOfWeek')) return '*';
  if (spec.key === 'dayOfMonth') {
    const special = dayOfMonthSpecial(spec, upper, fail);
    if (special !== undefined) return special;
  }
  if (spec.key === 'dayOfWeek') {
    const special = dayOfWeekSpecial(spec, upper, fail);
    if (special !== undefined) return special;
  }
  // croner's year field reaches 9999; AWS's stops at 2199.
  if (upper === '*') return spec.key === 'year' ? `${spec.min}-${spec.max}` : '*';
  return upper
    .split(',')
    .map((item) => compileItem(spec, item, text, fail))
    .join(',');
}

/** `L` (last day), `LW` (last weekday) and `nW` (the weekday nearest the nth). */
function dayOfMonthSpecial(spec: FieldSpec, upper: string, fail: Fail): string | undefined {
  if (upper === 'L' || upper === 'LW') return upper;
  const weekday = /^(\d+)W$/.exec(upper);
  if (weekday?.[1] === undefined) return undefined;
  return `${valueIn(spec, weekday[1], fail)}W`;
}

/** `L` (SAT, the last day of the week), `nL` (the last day n of the month), `n#k` (the kth day n). */
function dayOfWeekSpecial(spec: FieldSpec, upper: string, fail: Fail): string | undefined {
  if (upper === 'L') return String(spec.max);
  const last = /^(\d+|[A-Z]{3})L$/.exec(upper);
  if (last?.[1] !== undefined) return `${valueIn(spec, last[1], fail)}#L`;
  const nth = /^(\d+|[A-Z]{3})#(\d+)$/.exec(upper);
  if (nth?.[1] === undefined || nth[2] === undefined) return undefined;
  const day = valueIn(spec, nth[1], fail);
  const instance = Number(nth[2]);
  if (instance < 1 || instance > 5) {
    fail(spec.name, `#${nth[2]} is out of range: a day occurs at most 5 times in a month (#1-#5)`);
  }
  return `${day}#${instance}`;
}

/** One list item: `v`, `a-b`, `*\/n`, `a/n` or `a-b/n`, in croner's spelling. */
function compileItem(spec: FieldSpec, item: string, text: string, fail: Fail): string {
  if (item === '') fail(spec.name, `empty value in the list "${text}"`);
  const [range = '', step, extra] = item.split('/');
  if (extra !== undefined) fail(spec.name, `"${item}" has more than one /`);
  if (step !== undefined && spec.maxStep === undefined) fail(spec.name, `/ is not allowed in ${spec.name}`);
  if (range === '*' && step === undefined) fail(spec.name, '* cannot be combined with other values');
  let start = spec.min;
  let end = spec.max;
  if (range !== '*') {
    const [low = '', high, more] = range.split('-');
    if (more !== undefined) fail(spec.name, `"${range}" is not a range`);
    start = valueIn(spec, low, fail);
    end = high === undefined ? (step === undefined ? start : spec.max) : valueIn(spec, high, fail);
    if (end < start) fail(spec.name, `the range ${range} runs backwards; write it as two ranges`);
  }
  if (step === undefined) return start === end ? `${start}` : `${start}-${end}`;
  const increment = /^\d+$/.test(step) ? Number(step) : Number.NaN;
  if (!(increment >= 1 && increment <= (spec.maxStep ?? 0))) {
    fail(spec.name, `the increment in "${item}" must be a whole number from 1 to ${spec.maxStep}`);
  }
  return `${start}-${end}/${increment}`;
}

/** A number or name in a field's range, or a message saying what is wrong with it. */
function valueIn(spec: FieldSpec, token: string, fail: Fail): number {
  const dayFields = spec.key === 'dayOfMonth' || spec.key === 'dayOfWeek';
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (value < spec.min || value > spec.max) {
      const numbering = spec.key === 'dayOfWeek' ? ' (1 = SUN … 7 = SAT)' : '';
      fail(spec.name, `${token} is out of range ${spec.min}-${spec.max}${numbering}`);
    }
    return value;
  }
  const named = spec.names?.indexOf(token) ?? -1;
  if (named >= 0) return named + 1;
  if (token === '') fail(spec.name, 'a value is missing');
  if (token.includes('?')) {
    fail(spec.name, dayFields ? '? must stand alone' : '? is only allowed in day-of-month or day-of-week');
  }
  if (token.includes('#')) {
    fail(
      spec.name,
      spec.key === 'dayOfWeek'
        ? '# must stand alone: only one n#k is allowed'
        : '# is only allowed in day-of-week',
    );
  }
  if (/^(\d+|[A-Z]{3})?L$/.test(token)) {
    if (spec.key === 'dayOfMonth' && token !== 'L') {
      fail(spec.name, `${token}: nL is only allowed in day-of-week; L alone is the last day of the month`);
    }
    fail(spec.name, dayFields ? 'L must stand alone' : 'L is only allowed in day-of-month or day-of-week');
  }
  if (/^(\d+|L)W$/.test(token)) {
    fail(spec.name, spec.key === 'dayOfMonth' ? 'W must stand alone' : 'W is only allowed in day-of-month');
  }
  const names = spec.names === undefined ? '' : ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}`;
  return fail(spec.name, `"${token}" is not a valid value (expected ${spec.min}-${spec.max}${names})`);
}
