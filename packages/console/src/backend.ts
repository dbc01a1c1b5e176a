import type { HandlerDeps } from '@stevedore/control';
import type { Job } from '@stevedore/core/job';
import type { DeadLetterStore, HandlerInvoker } from '@stevedore/core/ports';

/*
 * What the console runs on: the same dependencies the CLI builds for a target (the local runtime's
 * endpoints, or a stage through the SDK's usual configuration), plus the few things that differ
 * between the two (where task logs live, how a schedule is run now, where dead letters wait). The
 * CLI builds it; the console never touches an SDK itself.
 */

/** A piece of a task's log, from a byte offset. */
export interface LogChunk {
  text: string;
  /** Where the next read starts. */
  next: string;
  /** True when no log exists (yet) for the attempt. */
  missing?: boolean;
}

export interface ConsoleBackend {
  /** Where the console looks: "the local runtime at …" or "stage prod". */
  where: string;
  deps: HandlerDeps;
  /** False on a stage: jobs a cancel or retry frees or creates are launched by the deployed sweeper. */
  launch: boolean;
  /** The clock schedules fire by (the local runtime's may run faster than real time). */
  scheduleNow(): Date;
  /** The log of one attempt of a job, from `from` (a cursor from the previous chunk; '' for the start). */
  readLog(job: Job, attempt: number, from: string): Promise<LogChunk>;
  /** Starts a run of a schedule now, under its overlap policy. */
  runSchedule(name: string): Promise<{ outcome: string; jobId?: string }>;
  deadLetters: { name: string; store: DeadLetterStore; invoker(): HandlerInvoker };
}
