import { CliError } from './cli-error';

/**
 * A numeric flag's value, or a CliError naming the flag, the range and what was given. Without this
 * `Number('abc')` is NaN and a bad `--interval` or `--tick` turns into a 1 ms timer.
 */
export function numberFlag(
  flag: string,
  raw: string,
  range: { min: number; max: number; integer?: boolean },
): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const ok = Number.isFinite(value) && value >= range.min && value <= range.max;
  if (!ok || (range.integer && !Number.isInteger(value))) {
    const kind = range.integer ? 'an integer' : 'a number';
    throw new CliError(`--${flag} expects ${kind} from ${range.min} to ${range.max}, got ${raw}`);
  }
  return value;
}
