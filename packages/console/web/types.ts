import type {
  jobDetail,
  jobJson,
  jobsJson,
  overviewJson,
  schedulesJson,
  workerJson,
  workerStatus,
} from '../src/api';

export type { LiveEvents } from '../src/live-feed';

/** What the API answers, as the pages read it. */
type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export type JobRow = ReturnType<typeof jobJson>;
export type JobsAnswer = Answer<typeof jobsJson>;
export type JobAnswer = Answer<typeof jobDetail>;
export type OverviewAnswer = Answer<typeof overviewJson>;
export type WorkerAnswer = Answer<typeof workerJson>;
export type WorkerStatus = Answer<typeof workerStatus>;
export type ScheduleRow = Answer<typeof schedulesJson>[number];

export interface InfoAnswer {
  app: string;
  where: string;
  states: string[];
  sources: { name: string; kind: string }[];
  workers: string[];
  schedules: string[];
}
