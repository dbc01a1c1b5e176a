import { isTerminal, type Job, jobCost } from './job';
import { attemptPhases, PHASES, type Phase, quantile } from './phases';

/*
 * A pipeline's or schedule's jobs over a window, summed up for `stevedore pipelines stats`: where
 * its attempts' time went (p50, p95 and max of each phase), how often its jobs succeed, what they
 * cost, and on which capacity they ran. Computed from the jobs as the ledger holds them.
 */

export interface PhaseSummary {
  /** Attempts that reached the phase. */
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export interface SourceStats {
  source: string;
  since: string;
  jobs: number;
  /** Jobs per state. */
  states: Record<string, number>;
  /** Of the finished jobs, the share that SUCCEEDED (0..1); undefined with none finished. */
  successRate?: number;
  attempts: number;
  /** Attempts per capacity provider that ran them. */
  capacity: Record<string, number>;
  /** Attempts per reason for their capacity (spot, spot-refused, spot-interrupted...). */
  capacityReasons: Record<string, number>;
  /** Seconds per phase over the attempts that ended. */
  phases: Partial<Record<Phase, PhaseSummary>>;
  cost: { usd: number; vcpuSeconds: number; gbSeconds: number };
}

/** The stats of `jobs` (all of one source, created since `since`). */
export function sourceStats(source: string, since: Date, jobs: readonly Job[], now: Date): SourceStats {
  const states: Record<string, number> = {};
  const capacity: Record<string, number> = {};
  const capacityReasons: Record<string, number> = {};
  const samples: Record<Phase, number[]> = Object.fromEntries(
    PHASES.map((p) => [p, []]),
  ) as unknown as Record<Phase, number[]>;
  const cost = { usd: 0, vcpuSeconds: 0, gbSeconds: 0 };
  let attempts = 0;
  let finished = 0;
  let succeeded = 0;
  for (const job of jobs) {
    states[job.state] = (states[job.state] ?? 0) + 1;
    if (isTerminal(job.state) && job.state !== 'CANCELLED') {
      finished += 1;
      if (job.state === 'SUCCEEDED') succeeded += 1;
    }
    const total = jobCost(job);
    cost.usd += total.usd;
    cost.vcpuSeconds += total.vcpuSeconds;
    cost.gbSeconds += total.gbSeconds;
    for (const attempt of attemptPhases(job, now)) {
      attempts += 1;
      if (attempt.capacityProvider)
        capacity[attempt.capacityProvider] = (capacity[attempt.capacityProvider] ?? 0) + 1;
      if (attempt.capacityReason)
        capacityReasons[attempt.capacityReason] = (capacityReasons[attempt.capacityReason] ?? 0) + 1;
      if (attempt.open) continue;
      for (const phase of PHASES) {
        const seconds = attempt.seconds[phase];
        if (seconds !== undefined) samples[phase].push(seconds);
      }
    }
  }
  const phases: Partial<Record<Phase, PhaseSummary>> = {};
  for (const phase of PHASES) {
    const values = samples[phase];
    if (values.length === 0) continue;
    phases[phase] = {
      count: values.length,
      p50: quantile(values, 0.5) ?? 0,
      p95: quantile(values, 0.95) ?? 0,
      max: Math.max(...values),
    };
  }
  return {
    source,
    since: since.toISOString(),
    jobs: jobs.length,
    states,
    ...(finished > 0 ? { successRate: succeeded / finished } : {}),
    attempts,
    capacity,
    capacityReasons,
    phases,
    cost: { usd: Math.round(cost.usd * 1e6) / 1e6, vcpuSeconds: cost.vcpuSeconds, gbSeconds: cost.gbSeconds },
  };
}
