import { createHash, randomBytes } from 'node:crypto';

/*
 * Job ids are derived, so a redelivered event maps to the same job: `<source>-<20 hex digits>`.
 * The source name comes first so a task event finds its pipeline or schedule (and so its retry
 * rules) from `startedBy` alone, with no read. Ids fit ECS `startedBy` (≤ 128 of [A-Za-z0-9-/_]).
 */
const DIGEST_LENGTH = 20;
const JOB_ID = /^([A-Za-z][A-Za-z0-9_-]{0,39})-([0-9a-f]{20})$/;

function digest(parts: readonly string[]): string {
  const hash = createHash('sha256');
  // Length-prefix each part so ("a", "bc") and ("ab", "c") hash differently.
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:${part};`);
  return hash.digest('hex').slice(0, DIGEST_LENGTH);
}

/** The job of an S3 object for a pipeline: the same object version (sequencer) is the same job. */
export function s3JobId(pipeline: string, bucket: string, key: string, sequencer: string): string {
  return `${pipeline}-${digest(['s3', pipeline, bucket, key, sequencer])}`;
}

/** The job of one scheduled time of a schedule. */
export function scheduledJobId(schedule: string, scheduledTime: string): string {
  return `${schedule}-${digest(['schedule', schedule, scheduledTime])}`;
}

/** A job started by hand; `random` is injected for tests. */
export function manualJobId(source: string, random: () => Uint8Array = () => randomBytes(10)): string {
  return `${source}-${Buffer.from(random()).toString('hex').slice(0, DIGEST_LENGTH)}`;
}

/** The source (pipeline or schedule) a job id belongs to, or undefined if it is not a Stevedore job id. */
export function sourceOfJobId(jobId: string): string | undefined {
  return JOB_ID.exec(jobId)?.[1];
}

export function isJobId(value: string): boolean {
  return JOB_ID.test(value);
}
