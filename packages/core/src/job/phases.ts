import type { CapacityReason } from './capacity';
import type { AttemptRecord, Job } from './job';

/*
 * Where each attempt's time went, from what the ledger already holds: the attempt's record (the
 * timestamps ECS reports, kept by the task events' one write each) and the job's history (when the
 * attempt started waiting). Nothing here is written: the breakdown is computed when it is read.
 *
 *   waiting       became due to run (created, or its retry scheduled) -> createdAt (slot, backoff, refusals)
 *   provisioning  createdAt -> pullStartedAt   (capacity, ENI)
 *   pull          pullStartedAt -> pullStoppedAt (image pull)
 *   starting      pullStoppedAt -> startedAt
 *   running       startedAt -> stoppingAt
 *   stopping      stoppingAt -> stoppedAt
 */

export const PHASES = ['waiting', 'provisioning', 'pull', 'starting', 'running', 'stopping'] as const;
export type Phase = (typeof PHASES)[number];

export interface AttemptPhases {
  attempt: number;
  /** Seconds per phase; a phase the attempt has not reached (or skipped) is absent. */
  seconds: Partial<Record<Phase, number>>;
  /** The attempt is still going: its last phase is measured up to `now`. */
  open: boolean;
  capacityAsked?: string;
  capacityProvider?: string;
  capacityReason?: CapacityReason;
  platformVersion?: string;
}

/** One phase of an attempt on the time axis; `end` is absent while the attempt is still in it. */
export interface PhaseSpan {
  phase: Phase;
  start: string;
  end?: string;
}

/** Each attempt's phases, in attempt order; `now` measures the phase an open attempt is in. */
export function attemptPhases(job: Job, now: Date): AttemptPhases[] {
  const records = Object.values(job.attempts).sort((a, b) => a.attempt - b.attempt);
  return records.map((record) => phasesOf(job, record, now));
}

/**
 * Where an attempt's phases start and end, as the timeline draws them and the durations measure them.
 * A phase whose own end is missing (a task that failed to start has no startedAt, ECS may report a
 * stop without stoppingAt) ends where the next known one begins, or when the task stopped.
 */
export function phaseSpans(job: Job, record: AttemptRecord): PhaseSpan[] {
  const marks: Mark[] = [
    ['waiting', dueSince(job, record.attempt), record.createdAt],
    ['provisioning', record.createdAt, record.pullStartedAt],
    ['pull', record.pullStartedAt, record.pullStoppedAt],
    ['starting', record.pullStoppedAt, record.startedAt],
    ['running', record.startedAt, record.stoppingAt],
    ['stopping', record.stoppingAt, record.stoppedAt],
  ];
  const spans: PhaseSpan[] = [];
  for (const [phase, start, to] of marks) {
    if (start === undefined) continue;
    const end = to ?? nextMark(marks, phase) ?? record.stoppedAt;
    spans.push({ phase, start, ...(end === undefined ? {} : { end }) });
  }
  return spans;
}

function phasesOf(job: Job, record: AttemptRecord, now: Date): AttemptPhases {
  const open = record.lastStatus !== 'STOPPED';
  const seconds: Partial<Record<Phase, number>> = {};
  for (const span of phaseSpans(job, record)) {
    const end = span.end ?? (open ? now.toISOString() : undefined);
    if (end === undefined) continue;
    seconds[span.phase] = Math.max(0, (Date.parse(end) - Date.parse(span.start)) / 1000);
  }
  return {
    attempt: record.attempt,
    seconds,
    open,
    ...(record.capacityAsked ? { capacityAsked: record.capacityAsked } : {}),
    ...(record.capacityProvider ? { capacityProvider: record.capacityProvider } : {}),
    ...(record.capacityReason ? { capacityReason: record.capacityReason } : {}),
    ...(record.platformVersion ? { platformVersion: record.platformVersion } : {}),
  };
}

type Mark = [phase: Phase, from: string | undefined, to: string | undefined];

function nextMark(marks: readonly Mark[], phase: Phase): string | undefined {
  const index = marks.findIndex(([p]) => p === phase);
  return marks.slice(index + 1).find(([, from]) => from !== undefined)?.[1];
}

/** When the attempt became due to run: the job's creation, or the history entry that scheduled it. */
function dueSince(job: Job, attempt: number): string | undefined {
  if (attempt === 1) return job.createdAt;
  return job.history.find((entry) => entry.attempt === attempt && entry.state === 'SUBMITTED')?.at;
}

/** The value at quantile `q` (0..1) of `values`, by nearest rank; undefined for none. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}
