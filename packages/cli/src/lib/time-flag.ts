import { CliError } from './cli-error';

/** `--since` (or `--until`, named by `flag`): an ISO time, or a span before now (30m, 6h, 2d). */
export function parseSince(value: string, now: Date, flag = 'since'): Date {
  const span = /^(\d+)([mhd])$/.exec(value);
  if (span?.[1] && span[2]) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(span[1]) * unit);
  }
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw new CliError(`--${flag} expects an ISO time or a span like 30m, 6h, 2d, got ${value}`);
  return time;
}
