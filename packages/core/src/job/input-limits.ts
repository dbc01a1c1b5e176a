import { InvalidJobInputError } from '../errors';

/*
 * What may become a job's input: the limits S3 and the schedules themselves have, checked where
 * events are parsed and again where a job is built, so nothing malformed reaches the ledger or RunTask.
 */

/** S3's limit on an object key, in bytes of its UTF-8 encoding (not in JavaScript's UTF-16 units). */
export const MAX_KEY_BYTES = 1024;
/** S3 sequencers are short hex strings (16 to 18 digits seen); this leaves room and bounds the item. */
export const MAX_SEQUENCER_LENGTH = 64;
/** Event and schedule times Stevedore accepts: from 2000 to the end of 2199 (a year 0000 is a mistake). */
export const TIME_RANGE = { from: Date.UTC(2000, 0, 1), until: Date.UTC(2200, 0, 1) } as const;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The size of a well-formed string in UTF-8, in bytes. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Why an S3 object key cannot be a job's input, or undefined when it can. */
export function objectKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'expected a non-empty key';
  const lone = LONE_SURROGATE.exec(key);
  if (lone) return `the key is not valid Unicode: a lone surrogate at character ${lone.index}`;
  if (key.includes('\u0000'))
    return `the key contains a NUL character (at character ${key.indexOf('\u0000')})`;
  const bytes = utf8Bytes(key);
  if (bytes > MAX_KEY_BYTES) return `expected a key of at most ${MAX_KEY_BYTES} bytes in UTF-8, not ${bytes}`;
  return undefined;
}

/** Why a time cannot be an event's or a schedule run's, or undefined when it can. */
export function timeProblem(time: Date): string | undefined {
  const ms = time.getTime();
  if (Number.isNaN(ms)) return 'expected a valid time';
  if (ms < TIME_RANGE.from || ms >= TIME_RANGE.until) {
    return `expected a time from 2000 to 2199, not ${time.toISOString()}`;
  }
  return undefined;
}

/** Throws InvalidJobInputError naming the field when `problem` is set. */
export function requireValid(field: string, problem: string | undefined): void {
  if (problem !== undefined) throw new InvalidJobInputError(field, problem);
}
