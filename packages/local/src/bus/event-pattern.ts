import type { EventPattern, PatternValue } from '@stevedore/core/events';

/*
 * EventBridge event-pattern matching, as the EventBridge User Guide ("Event patterns", "Content
 * filtering") defines it, for the patterns Stevedore uses and the common operators:
 *   - every key of the pattern must match the event; nested objects recurse;
 *   - a list of values matches when any value matches; an array in the event matches when any
 *     element matches;
 *   - exact strings, numbers, booleans and null; prefix, suffix, wildcard, anything-but, numeric,
 *     exists, equals-ignore-case; `$or` of sub-patterns.
 */

/** True when the event matches the pattern. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

/**
 * False only when no event that agrees with `partial` can match the pattern, so an event that is
 * costly to build need not be built for nothing. `partial` holds some of the event's fields as the
 * event would have them; a key it does not hold is unknown and may match anything, and a key it holds
 * with the value undefined is one the event will not have.
 */
export function mayMatchPattern(pattern: EventPattern, partial: Readonly<Record<string, unknown>>): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      const alternatives = expected as unknown as readonly EventPattern[];
      if (!alternatives.some((alternative) => mayMatchPattern(alternative, partial))) return false;
      continue;
    }
    if (!(key in partial)) continue;
    const actual = partial[key];
    if (Array.isArray(expected)) {
      if (!matchField(expected as readonly PatternValue[], actual, actual !== undefined)) return false;
    } else if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
      return false; // absent, or not an object: as matchObject answers
    } else if (!mayMatchPattern(expected as EventPattern, actual as Record<string, unknown>)) {
      return false;
    }
  }
  return true;
}

function matchObject(pattern: EventPattern, value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      const alternatives = expected as unknown as readonly EventPattern[];
      if (!alternatives.some((alternative) => matchObject(alternative, record))) return false;
      continue;
    }
    const actual = record[key];
    if (Array.isArray(expected)) {
      if (!matchField(expected as readonly PatternValue[], actual, key in record)) return false;
    } else if (!matchObject(expected as EventPattern, actual)) {
      return false;
    }
  }
  return true;
}

function matchField(matchers: readonly PatternValue[], actual: unknown, present: boolean): boolean {
  // `exists` speaks of the field itself, not of its values.
  for (const matcher of matchers) {
    if (isObject(matcher) && 'exists' in matcher && matcher.exists === present) return true;
  }
  if (!present) return false;
  const values = Array.isArray(actual) ? actual : [actual];
  return values.some((value) => matchers.some((matcher) => matchValue(matcher, value)));
}

function matchValue(matcher: PatternValue, value: unknown): boolean {
  if (!isObject(matcher)) {
    if (typeof matcher === 'number' && typeof value === 'number') return matcher === value;
    return matcher === value;
  }
  if ('prefix' in matcher) return typeof value === 'string' && value.startsWith(matcher.prefix);
  if ('suffix' in matcher) return typeof value === 'string' && value.endsWith(matcher.suffix);
  if ('wildcard' in matcher) return typeof value === 'string' && wildcardRegExp(matcher.wildcard).test(value);
  if ('equals-ignore-case' in matcher) {
    return typeof value === 'string' && value.toLowerCase() === matcher['equals-ignore-case'].toLowerCase();
  }
  if ('numeric' in matcher) return typeof value === 'number' && matchNumeric(matcher.numeric, value);
  if ('anything-but' in matcher) {
    const excluded = matcher['anything-but'];
    const list = Array.isArray(excluded) ? (excluded as readonly PatternValue[]) : [excluded as PatternValue];
    return !list.some((m) => matchValue(m, value));
  }
  return false; // `exists` is handled per field; unknown operators never match
}

function matchNumeric(conditions: readonly (string | number)[], value: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const operator = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      operator === '>'
        ? value > bound
        : operator === '>='
          ? value >= bound
          : operator === '<'
            ? value < bound
            : operator === '<='
              ? value <= bound
              : operator === '='
                ? value === bound
                : false;
    if (!ok) return false;
  }
  return true;
}

const wildcardCache = new Map<string, RegExp>();

/** `*` matches any run of characters; `\*` and `\\` are a literal star and backslash. */
function wildcardRegExp(wildcard: string): RegExp {
  let regexp = wildcardCache.get(wildcard);
  if (regexp) return regexp;
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i] as string;
    if (c === '\\' && i + 1 < wildcard.length) {
      source += escapeRegExp(wildcard[++i] as string);
    } else if (c === '*') {
      source += '.*';
    } else {
      source += escapeRegExp(c);
    }
  }
  regexp = new RegExp(`^${source}$`, 's');
  wildcardCache.set(wildcard, regexp);
  return regexp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function isObject(value: PatternValue): value is Extract<PatternValue, object> {
  return typeof value === 'object' && value !== null;
}
