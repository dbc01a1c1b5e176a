import { LocalRuntimeError } from './errors';

/** Switchable misbehaviour of the local AWS, so resilience can be shown, tested and benchmarked. */
export interface Faults {
  /** Probability that an event is delivered twice. */
  duplicate: number;
  /** Probability that an event is held back so later ones overtake it. */
  reorder: number;
  /** Probability that RunTask answers "Capacity is unavailable" in failures[]. */
  capacity: number;
  /** Probability that a FARGATE_SPOT launch gets that answer (Spot has its own pool). */
  spot: number;
  /** Probability that a FARGATE_SPOT task is interrupted (stopCode SpotInterruption) once it runs. */
  spotInterrupt: number;
  /** Seconds of warning before an interrupted Spot task is killed (AWS gives 120). */
  spotWarningSeconds: number;
  /** Seconds every task's image pull takes, unless its `local.pullSeconds` says otherwise. */
  pullSeconds: number;
  /** AWS's RunTask/StopTask and Fargate launch rate limits (on, as on AWS, unless turned off). */
  throttle: boolean;
}

export const NO_FAULTS: Faults = {
  duplicate: 0,
  reorder: 0,
  capacity: 0,
  spot: 0,
  spotInterrupt: 0,
  spotWarningSeconds: 120,
  pullSeconds: 0,
  throttle: true,
};

/** Keys that take a probability, by the name --faults spells them. */
const PROBABILITIES = {
  duplicate: 'duplicate',
  reorder: 'reorder',
  capacity: 'capacity',
  spot: 'spot',
  'spot-interrupt': 'spotInterrupt',
} as const;
/** Keys that take seconds, with their most. */
const DURATIONS = {
  'spot-warning': { field: 'spotWarningSeconds', max: 120 },
  pull: { field: 'pullSeconds', max: 600 },
} as const;
const KNOWN = [...Object.keys(PROBABILITIES), ...Object.keys(DURATIONS), 'throttle'].join(', ');

/**
 * Parses `duplicate=0.2,reorder=0.3,capacity=0.1,spot=0.5,spot-interrupt=0.2,spot-warning=2,pull=1,throttle=off`;
 * unknown keys and bad values fail clearly.
 */
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
    if (Object.hasOwn(PROBABILITIES, key)) {
      const p = Number(value);
      if (value.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1) {
        throw new LocalRuntimeError(
          `--faults: ${key} expects a probability from 0 to 1, got ${JSON.stringify(value)}`,
        );
      }
      faults[PROBABILITIES[key as keyof typeof PROBABILITIES]] = p;
    } else if (Object.hasOwn(DURATIONS, key)) {
      const { field, max } = DURATIONS[key as keyof typeof DURATIONS];
      const seconds = Number(value);
      if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > max) {
        throw new LocalRuntimeError(
          `--faults: ${key} expects seconds from 0 to ${max}, got ${JSON.stringify(value)}`,
        );
      }
      faults[field] = seconds;
    } else if (key === 'throttle') {
      if (value !== 'on' && value !== 'off') {
        throw new LocalRuntimeError(`--faults: throttle expects on or off, got ${JSON.stringify(value)}`);
      }
      faults.throttle = value === 'on';
    } else {
      throw new LocalRuntimeError(`--faults: unknown fault ${JSON.stringify(key)} (known: ${KNOWN})`);
    }
  }
  return faults;
}
