import { LocalRuntimeError } from './errors';

/** Switchable misbehaviour of the local AWS, so resilience can be shown, tested and benchmarked. */
export interface Faults {
  /** Probability that an event is delivered twice. */
  duplicate: number;
  /** Probability that an event is held back so later ones overtake it. */
  reorder: number;
  /** Probability that RunTask answers "Capacity is unavailable" in failures[]. */
  capacity: number;
  /** AWS's RunTask/StopTask and Fargate launch rate limits (on, as on AWS, unless turned off). */
  throttle: boolean;
}

export const NO_FAULTS: Faults = { duplicate: 0, reorder: 0, capacity: 0, throttle: true };

const PROBABILITIES = ['duplicate', 'reorder', 'capacity'] as const;

/** Parses `duplicate=0.2,reorder=0.3,capacity=0.1,throttle=off`; unknown keys and bad values fail clearly. */
export function parseFaults(spec: string | undefined): Faults {
  const faults: Faults = { ...NO_FAULTS };
  if (!spec) return faults;
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value, extra] = part.split('=');
    if (key === undefined || value === undefined || extra !== undefined) {
      throw new LocalRuntimeError(`--faults: expected key=value, got ${JSON.stringify(part)}`);
    }
    if ((PROBABILITIES as readonly string[]).includes(key)) {
      const p = Number(value);
      if (value.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1) {
        throw new LocalRuntimeError(
          `--faults: ${key} expects a probability from 0 to 1, got ${JSON.stringify(value)}`,
        );
      }
      faults[key as (typeof PROBABILITIES)[number]] = p;
    } else if (key === 'throttle') {
      if (value !== 'on' && value !== 'off') {
        throw new LocalRuntimeError(`--faults: throttle expects on or off, got ${JSON.stringify(value)}`);
      }
      faults.throttle = value === 'on';
    } else {
      throw new LocalRuntimeError(
        `--faults: unknown fault ${JSON.stringify(key)} (known: duplicate, reorder, capacity, throttle)`,
      );
    }
  }
  return faults;
}
