import { isTerminal, type Job, type JobPatch, sourceOfJobId } from '@stevedore/core/job';
import { ExpressionBuilder } from './expression';
import { ALL_JOBS_PARTITION, INDEX, KEY, keys, TTL_ATTRIBUTE } from './table';

/** Attributes an item has besides the job's own fields. */
const STORAGE_ATTRIBUTES = [
  KEY.pk,
  KEY.sk,
  ...Object.values(INDEX).flatMap((i) => [i.pk, i.sk]),
  TTL_ATTRIBUTE,
] as const;

/** The item of a new job: the job, its keys, and its index entries. */
export function jobToItem(job: Job, retentionDays: number): Record<string, unknown> {
  const open = !isTerminal(job.state);
  return {
    ...job,
    ...keys.job(job.jobId),
    [INDEX.bySource.pk]: keys.bySource(job.source),
    [INDEX.bySource.sk]: keys.created(job.createdAt, job.jobId),
    [INDEX.all.pk]: ALL_JOBS_PARTITION,
    [INDEX.all.sk]: keys.created(job.createdAt, job.jobId),
    ...objectIndexEntry(job),
    ...keyIndexEntry(job),
    ...(open
      ? { [INDEX.open.pk]: keys.open(job.source), [INDEX.open.sk]: openSortKey(job) }
      : {
          [TTL_ATTRIBUTE]: expiry(job.updatedAt, retentionDays),
          ...finishedIndexEntries(job.source, job.state, keys.created(job.createdAt, job.jobId)),
        }),
  };
}

/** Where a finished job is listed by its final state: across sources (GSI5) and in its own (GSI6). */
function finishedIndexEntries(source: string, state: string, sortKey: string): Record<string, string> {
  return {
    [INDEX.finished.pk]: keys.finished(state),
    [INDEX.finished.sk]: sortKey,
    [INDEX.finishedOfSource.pk]: keys.finishedOfSource(source, state),
    [INDEX.finishedOfSource.sk]: sortKey,
  };
}

/** A job for an S3 object (its input names bucket, key and etag) is listed under that object too. */
function objectIndexEntry(job: Job): Record<string, string> {
  const { S3_BUCKET: bucket, S3_KEY: key, S3_ETAG: etag } = job.input;
  if (!bucket || key === undefined || !etag) return {};
  return {
    [INDEX.byObject.pk]: keys.byObject(job.source, { bucket, key, etag }),
    [INDEX.byObject.sk]: keys.created(job.createdAt, job.jobId),
  };
}

/** A job with an object key is listed by it within its source (GSI7), for key-prefix listings. */
function keyIndexEntry(job: Job): Record<string, string> {
  const key = job.input.S3_KEY;
  // An index key cannot be empty; S3 keys never are, a hand-made input might be.
  if (!key) return {};
  return { [INDEX.byKey.pk]: keys.byKey(job.source), [INDEX.byKey.sk]: key };
}

/** The job stored in an item (storage attributes dropped). */
export function itemToJob(item: Record<string, unknown>): Job {
  const job: Record<string, unknown> = { ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete job[attribute];
  return job as unknown as Job;
}

/** True when TTL has passed for the item, though DynamoDB may not have deleted it yet. */
export function isExpired(item: Record<string, unknown>, now: Date): boolean {
  const expiresAt = item[TTL_ATTRIBUTE];
  return typeof expiresAt === 'number' && expiresAt <= Math.floor(now.getTime() / 1000);
}

/** Where an open job sorts in GSI2: waiting jobs by when they are due, active ones by id. */
function openSortKey(job: Pick<Job, 'state' | 'jobId' | 'notBefore' | 'createdAt'>): string {
  return job.state === 'SUBMITTED'
    ? keys.waiting(job.notBefore ?? job.createdAt, job.jobId)
    : keys.active(job.jobId);
}

function expiry(at: string, retentionDays: number): number {
  return Math.floor(new Date(at).getTime() / 1000) + retentionDays * 86400;
}

/**
 * Compiles a patch into one conditional UpdateItem: the guard becomes the ConditionExpression, the
 * changes the UpdateExpression. Nothing is read first.
 */
export function patchToUpdate(
  jobId: string,
  patch: JobPatch,
  retentionDays: number,
): {
  Key: Record<string, string>;
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  const x = new ExpressionBuilder();
  const { guard } = patch;

  const conditions = [
    `${x.name('attempt')} = ${x.value(guard.attempt)}`,
    `${x.name('state')} IN (${guard.states.map((s) => x.value(s)).join(', ')})`,
  ];
  if (guard.noTask) conditions.push(`attribute_not_exists(${x.name('taskArn')})`);
  if (guard.taskArn !== undefined) {
    const arn = x.name('taskArn');
    conditions.push(`(attribute_not_exists(${arn}) OR ${arn} = ${x.value(guard.taskArn)})`);
  }
  if (guard.versionBelow !== undefined) {
    conditions.push(`${x.name('taskVersion')} < ${x.value(guard.versionBelow)}`);
  }
  if (guard.notCancelled) conditions.push(`attribute_not_exists(${x.name('cancelRequested')})`);

  const sets: string[] = [];
  const removes: string[] = [];
  for (const [field, value] of Object.entries(patch.set)) {
    if (value !== undefined) sets.push(`${x.name(field)} = ${x.value(value)}`);
  }
  if (patch.attemptRecord) {
    sets.push(`${x.name('attempts')}.${x.name(String(guard.attempt))} = ${x.value(patch.attemptRecord)}`);
  }
  const history = x.name('history');
  sets.push(`${history} = list_append(${history}, ${x.value([patch.history])})`);
  for (const field of patch.remove) removes.push(x.name(field));

  // Index upkeep: an open job sits in GSI2 under its due time (waiting) or its id (active); a
  // finished one leaves GSI2, gets its TTL and enters the finished-by-state indexes, sorted by
  // creation like every listing: the sort key is copied from the item's own GSI3SK (the patch does not
  // carry createdAt), the source read from the job id (every Stevedore job id starts with it).
  const state = patch.set.state;
  if (isTerminal(state)) {
    removes.push(x.name(INDEX.open.pk), x.name(INDEX.open.sk));
    sets.push(`${x.name(TTL_ATTRIBUTE)} = ${x.value(expiry(patch.set.updatedAt, retentionDays))}`);
    const created = x.name(INDEX.all.sk);
    sets.push(`${x.name(INDEX.finished.pk)} = ${x.value(keys.finished(state))}`);
    sets.push(`${x.name(INDEX.finished.sk)} = ${created}`);
    const source = sourceOfJobId(jobId);
    if (source !== undefined) {
      sets.push(`${x.name(INDEX.finishedOfSource.pk)} = ${x.value(keys.finishedOfSource(source, state))}`);
      sets.push(`${x.name(INDEX.finishedOfSource.sk)} = ${created}`);
    }
  } else {
    const dueAt = patch.set.notBefore ?? patch.set.updatedAt;
    const sortKey = state === 'SUBMITTED' ? keys.waiting(dueAt, jobId) : keys.active(jobId);
    sets.push(`${x.name(INDEX.open.sk)} = ${x.value(sortKey)}`);
  }

  const update = [`SET ${sets.join(', ')}`, removes.length > 0 ? `REMOVE ${removes.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
  return {
    Key: keys.job(jobId),
    UpdateExpression: update,
    ConditionExpression: conditions.join(' AND '),
    ...x.attributes(),
  };
}
