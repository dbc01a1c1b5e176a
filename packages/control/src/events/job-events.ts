import { type Job, type JobStateChange, jobEventOf } from '@stevedore/core/job';
import type { HandlerDeps } from '../deps';

/** One write to a job, as the ledger's change stream tells it: the job before (absent: created) and after. */
export interface JobWrite {
  previous?: Job;
  next?: Job;
}

/**
 * Publishes the events a batch of ledger writes makes, in the order of the writes (a job's writes reach
 * one stream shard in order). Writes a user would not act on (a task's steps inside a state) make none.
 * A failed publish throws, so the stream delivers the batch again: at least once, never silently lost,
 * and the ledger was written before any of this ran.
 */
export async function publishJobEvents(
  deps: Pick<HandlerDeps, 'jobEvents' | 'logger'>,
  writes: readonly JobWrite[],
): Promise<JobStateChange[]> {
  const events = writes.flatMap((write) => jobEventOf(write.previous, write.next) ?? []);
  if (events.length === 0) return [];
  await deps.jobEvents.publish(events);
  deps.logger.info('job events published', {
    count: events.length,
    events: events.map((e) => `${e.jobId} ${e.previousState ?? '-'}->${e.state}`).slice(0, 20),
  });
  return events;
}
