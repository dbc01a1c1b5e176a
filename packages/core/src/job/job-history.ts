import type { AttemptRecord, HistoryEntry, Job, JobState } from './job';

/*
 * A job's history as a user reads it. Only the task statuses that move a job (RUNNING and STOPPED,
 * see `ROUTED_TASK_STATUSES`) invoke a handler and write an entry; the steps in between are not
 * lost: the events that are routed carry the task's timestamps (createdAt, pullStartedAt,
 * pullStoppedAt, startedAt, stoppingAt, stoppedAt), which the attempt's record keeps, and each
 * step is read back from them here. Nothing is written: the ledger stays one write per routed event.
 */

/** A task step known from a timestamp of the attempt's record. */
interface TaskStep {
  field: 'createdAt' | 'pullStartedAt' | 'pullStoppedAt' | 'startedAt' | 'stoppingAt';
  taskStatus: string;
  state: JobState;
  reason: string;
}

/** In lifecycle order. DEACTIVATING and DEPROVISIONING carry no timestamp of their own in ECS's events. */
const TASK_STEPS: readonly TaskStep[] = [
  { field: 'createdAt', taskStatus: 'PROVISIONING', state: 'STARTING', reason: 'task created' },
  { field: 'pullStartedAt', taskStatus: 'PENDING', state: 'STARTING', reason: 'image pull started' },
  { field: 'pullStoppedAt', taskStatus: 'PENDING', state: 'STARTING', reason: 'image pulled' },
  { field: 'startedAt', taskStatus: 'RUNNING', state: 'RUNNING', reason: 'task started' },
  { field: 'stoppingAt', taskStatus: 'STOPPING', state: 'RUNNING', reason: 'task stopping' },
];

/**
 * The recorded history with each attempt's task steps that wrote no entry of their own, read from the
 * task's timestamps, in time order (recorded entries keep their order among themselves). A step whose
 * status an entry of the same attempt already records (an event that was applied) is not repeated.
 */
export function jobHistory(job: Pick<Job, 'history' | 'attempts'>): HistoryEntry[] {
  const derived = Object.values(job.attempts).flatMap((record) => taskSteps(job.history, record));
  if (derived.length === 0) return job.history;
  // Recorded entries are in write order already; each derived one goes after every entry not later than it.
  const merged = [...job.history];
  for (const entry of derived.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const at = Date.parse(entry.at);
    let index = merged.length;
    while (index > 0 && Date.parse((merged[index - 1] as HistoryEntry).at) > at) index -= 1;
    merged.splice(index, 0, entry);
  }
  return merged;
}

function taskSteps(history: readonly HistoryEntry[], record: AttemptRecord): HistoryEntry[] {
  const recorded = new Set(
    history.filter((entry) => entry.attempt === record.attempt).map((entry) => entry.taskStatus),
  );
  return TASK_STEPS.flatMap((step) => {
    const at = record[step.field];
    if (at === undefined || recorded.has(step.taskStatus)) return [];
    return [
      { at, state: step.state, attempt: record.attempt, taskStatus: step.taskStatus, reason: step.reason },
    ];
  });
}
