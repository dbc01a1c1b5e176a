import { type AttemptRecord, isTerminal, type Job, type JobKind, type JobState, jobCost } from './job';

/*
 * Job events: what Stevedore tells the world about a job, as EventBridge events (source `stevedore`,
 * detail-type `Stevedore Job State Change`), like AWS Batch's "Batch Job State Change". They are
 * derived from two versions of the job's ledger item (DynamoDB Streams' old and new images), so
 * publishing adds nothing to the task-state-change path and happens only after the write that made
 * the transition.
 */

export const JOB_EVENT_SOURCE = 'stevedore';
export const JOB_EVENT_DETAIL_TYPE = 'Stevedore Job State Change';

/** Why there is an event: the job was recorded, changed state, or goes back for another attempt. */
export const JOB_CHANGES = ['created', 'state-changed', 'retry-scheduled'] as const;
export type JobChange = (typeof JOB_CHANGES)[number];

/** The detail of a `Stevedore Job State Change` event. Never the job's environment: only what names its input. */
export interface JobStateChange {
  jobId: string;
  change: JobChange;
  kind: JobKind;
  /** Set for a pipeline's job. */
  pipeline?: string;
  /** Set for a schedule's job. */
  schedule?: string;
  task: string;
  state: JobState;
  /** null when the job was just created. */
  previousState: JobState | null;
  attempt: number;
  maxAttempts: number;
  /** The attempt this event is about: the one that ended when a retry is scheduled. */
  taskArn?: string;
  /** The first non-zero exit code of the attempt's containers, else the first one known. */
  exitCode?: number;
  stopCode?: string;
  reason?: string;
  /** The object a pipeline's job runs for. */
  input?: { bucket: string; key: string };
  /** When the schedule's run was due. */
  scheduledTime?: string;
  /** While SUBMITTED for a retry: not launched before this time. */
  notBefore?: string;
  createdAt: string;
  /** The time of the transition. */
  at: string;
  /** Seconds from creation to this transition, once the job ended or an attempt did. */
  durationSeconds?: number;
  /** Every attempt's cost so far (Fargate's billing), once the job ended or an attempt did. */
  cost?: { usd: number; vcpuSeconds: number; gbSeconds: number; billedSeconds: number };
  retryOf?: string;
}

/**
 * The event a write to a job's item makes, if a user would act on it: the job's creation, a change
 * of state, or a retry being scheduled. A task's own steps (PROVISIONING, PENDING...) that leave the
 * job's state alone, a cancel request, a `retriedBy` link and the item's deletion make none.
 */
export function jobEventOf(previous: Job | undefined, next: Job | undefined): JobStateChange | undefined {
  if (!next) return undefined;
  if (previous && previous.jobId !== next.jobId) return undefined;
  const change = changeOf(previous, next);
  if (!change) return undefined;
  // A retry goes back to SUBMITTED with the next attempt: the facts are the previous attempt's.
  const attemptNumber = change === 'retry-scheduled' && previous ? previous.attempt : next.attempt;
  const record: AttemptRecord | undefined = next.attempts[String(attemptNumber)];
  const settled = change === 'retry-scheduled' || isTerminal(next.state);
  const exitCode = exitCodeOf(record);
  const input = objectOf(next.input);
  const scheduledTime = next.kind === 'schedule' ? next.input.STEVEDORE_SCHEDULED_TIME : undefined;
  return {
    jobId: next.jobId,
    change,
    kind: next.kind,
    ...(next.kind === 'pipeline' ? { pipeline: next.source } : {}),
    ...(next.kind === 'schedule' ? { schedule: next.source } : {}),
    task: next.task,
    state: next.state,
    previousState: previous?.state ?? null,
    attempt: next.attempt,
    maxAttempts: next.maxAttempts,
    ...(record?.taskArn ? { taskArn: record.taskArn } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(record?.stopCode ? { stopCode: record.stopCode } : {}),
    ...(next.reason ? { reason: next.reason } : {}),
    ...(input ? { input } : {}),
    ...(scheduledTime ? { scheduledTime } : {}),
    ...(next.state === 'SUBMITTED' && next.notBefore ? { notBefore: next.notBefore } : {}),
    createdAt: next.createdAt,
    at: next.updatedAt,
    ...(settled
      ? { durationSeconds: secondsBetween(next.createdAt, next.finishedAt ?? next.updatedAt) }
      : {}),
    ...(settled ? { cost: roundedCost(next) } : {}),
    ...(next.retryOf ? { retryOf: next.retryOf } : {}),
  };
}

function changeOf(previous: Job | undefined, next: Job): JobChange | undefined {
  if (!previous) return 'created';
  if (isTerminal(previous.state)) return undefined;
  if (next.attempt > previous.attempt) return 'retry-scheduled';
  if (next.state !== previous.state) return 'state-changed';
  return undefined;
}

function exitCodeOf(record: AttemptRecord | undefined): number | undefined {
  const codes = (record?.containers ?? []).flatMap((c) => (c.exitCode === undefined ? [] : [c.exitCode]));
  return codes.find((code) => code !== 0) ?? codes[0];
}

function objectOf(input: Record<string, string>): { bucket: string; key: string } | undefined {
  const bucket = input.S3_BUCKET;
  const key = input.S3_KEY;
  return bucket !== undefined && key !== undefined ? { bucket, key } : undefined;
}

function secondsBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
}

function roundedCost(job: Job): NonNullable<JobStateChange['cost']> {
  const total = jobCost(job);
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  return {
    usd: round(total.usd, 6),
    vcpuSeconds: round(total.vcpuSeconds, 3),
    gbSeconds: round(total.gbSeconds, 3),
    billedSeconds: total.billedSeconds,
  };
}

/** What a rule matches to receive job events: optionally only some states and pipelines or schedules. */
export function jobEventPattern(filter: { states?: readonly JobState[]; sources?: readonly string[] } = {}): {
  source: string[];
  'detail-type': string[];
  detail?: Record<string, unknown>;
} {
  const detail: Record<string, unknown> = {};
  if (filter.states && filter.states.length > 0) detail.state = [...filter.states];
  if (filter.sources && filter.sources.length > 0) {
    // A job belongs to a pipeline or a schedule: either field may carry the name.
    detail.$or = [{ pipeline: [...filter.sources] }, { schedule: [...filter.sources] }];
  }
  return {
    source: [JOB_EVENT_SOURCE],
    'detail-type': [JOB_EVENT_DETAIL_TYPE],
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}

/** An event as EventBridge delivers it to a rule's target (and as `stevedore dev` writes events.jsonl). */
export interface JobEventEnvelope {
  version: '0';
  id: string;
  'detail-type': typeof JOB_EVENT_DETAIL_TYPE;
  source: typeof JOB_EVENT_SOURCE;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: JobStateChange;
}

/** Wraps a job event in EventBridge's envelope; `time` is the transition's, to the second as EventBridge keeps it. */
export function jobEventEnvelope(
  detail: JobStateChange,
  context: { id: string; account: string; region: string },
): JobEventEnvelope {
  return {
    version: '0',
    id: context.id,
    'detail-type': JOB_EVENT_DETAIL_TYPE,
    source: JOB_EVENT_SOURCE,
    account: context.account,
    time: `${detail.at.slice(0, 19)}Z`,
    region: context.region,
    resources: [],
    detail,
  };
}
