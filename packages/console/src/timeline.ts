import type { AttemptRecord, Job } from '@stevedore/core/job';

/*
 * A job's attempts on one time axis. Each attempt's phases come from its task's timestamps (ECS's
 * createdAt, pullStartedAt, startedAt, stoppingAt, stoppedAt, as the ledger recorded them) and from
 * the job's history for the wait before it (recorded SUBMITTED for that attempt: a slot or a backoff).
 */

export const PHASES = ['waiting', 'provisioning', 'pending', 'running', 'stopping'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseBar {
  attempt: number;
  phase: Phase;
  start: string;
  /** Absent while the phase goes on. */
  end?: string;
}

/** What each phase means, for the legend and the bars' accessible names. */
export const PHASE_LABELS: Record<Phase, string> = {
  waiting: 'waiting (slot or backoff)',
  provisioning: 'PROVISIONING',
  pending: 'PENDING (image pull)',
  running: 'RUNNING',
  stopping: 'stopping',
};

/** The bars of every attempt of a job, in attempt and time order. */
export function jobTimeline(job: Job): PhaseBar[] {
  const bars: PhaseBar[] = [];
  for (let attempt = 1; attempt <= job.attempt; attempt++) {
    const record = job.attempts[String(attempt)];
    const waitStart = job.history.find((h) => h.attempt === attempt && h.state === 'SUBMITTED')?.at;
    // Still waiting (open bar), ended by its task's creation, or by the job's end (cancelled while waiting).
    const stillWaiting = attempt === job.attempt && job.state === 'SUBMITTED';
    const waitEnd = record?.createdAt ?? (stillWaiting ? undefined : (job.finishedAt ?? null));
    if (waitStart && waitEnd !== null) bars.push(bar(attempt, 'waiting', waitStart, waitEnd));
    if (record) bars.push(...taskPhases(record));
  }
  return bars;
}

function taskPhases(record: AttemptRecord): PhaseBar[] {
  const marks: [Phase, string | undefined][] = [
    ['provisioning', record.createdAt],
    ['pending', record.pullStartedAt],
    ['running', record.startedAt],
    ['stopping', record.stoppingAt],
  ];
  const known = marks.filter((mark): mark is [Phase, string] => mark[1] !== undefined);
  return known.map(([phase, start], i) => {
    // A phase ends where the next one recorded starts, or when the task stopped.
    const end = known[i + 1]?.[1] ?? record.stoppedAt;
    return bar(record.attempt, phase, start, end);
  });
}

function bar(attempt: number, phase: Phase, start: string, end: string | undefined): PhaseBar {
  return { attempt, phase, start, ...(end ? { end } : {}) };
}
