import { type Job, type Phase, type PhaseSpan, phaseSpans } from '@stevedore/core/job';

/*
 * A job's attempts on one time axis. Each attempt's phases are core's (`phaseSpans`, the same spans
 * `stevedore jobs show` measures): from its task's timestamps as the ledger recorded them, and from
 * the job's history for the wait before it. An attempt with no task yet is only its wait.
 */

export type { Phase };

export interface PhaseBar extends PhaseSpan {
  attempt: number;
}

/** The bars of every attempt of a job, in attempt and time order. */
export function jobTimeline(job: Job): PhaseBar[] {
  const bars: PhaseBar[] = [];
  for (let attempt = 1; attempt <= job.attempt; attempt++) {
    const record = job.attempts[String(attempt)];
    if (record) {
      for (const span of phaseSpans(job, record)) bars.push({ attempt, ...span });
      continue;
    }
    const wait = waitWithoutTask(job, attempt);
    if (wait) bars.push(wait);
  }
  return bars;
}

/** The wait of an attempt that has no task: open while the job still waits, else up to the job's end. */
function waitWithoutTask(job: Job, attempt: number): PhaseBar | undefined {
  const start = job.history.find((h) => h.attempt === attempt && h.state === 'SUBMITTED')?.at;
  if (!start) return undefined;
  if (attempt === job.attempt && job.state === 'SUBMITTED') return { attempt, phase: 'waiting', start };
  // Cancelled (or otherwise ended) before its task was made.
  return job.finishedAt ? { attempt, phase: 'waiting', start, end: job.finishedAt } : undefined;
}
