import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type ApplyResult,
  type Clock,
  type DecisionRecord,
  isTerminal,
  type Job,
  type JobPage,
  type JobPatch,
  type JobQuery,
  type JobStore,
  type OpenJobQuery,
  type ScalingMemory,
  type ScalingStore,
  type ScheduleRun,
  type ScheduleState,
  type ScheduleStore,
  type SlotStore,
  type StartRunResult,
  type WorkerRecord,
} from '@stevedore/core';
import { LedgerError } from '../errors';
import { ExpressionBuilder } from './expression';
import { isExpired, itemToJob, jobToItem, patchToUpdate } from './job-item';
import { ScalingItems } from './scaling-items';
import { ScheduleItems } from './schedule-items';
import { ALL_JOBS_PARTITION, INDEX, KEY, keys, TTL_ATTRIBUTE } from './table';

export interface DynamoLedgerOptions {
  tableName: string;
  /** Created from the environment when omitted (honours AWS_ENDPOINT_URL_DYNAMODB). */
  client?: DynamoDBClient;
  /** How long finished jobs are kept before TTL deletes them. */
  retentionDays?: number;
  clock?: Clock;
}

const DEFAULT_PAGE = 25;
const MAX_PAGE = 100;
const BATCH_GET_LIMIT = 100;

/**
 * The job ledger on DynamoDB. Every state change is one conditional UpdateItem compiled from a
 * JobPatch: no read before the write, and a refused guard (stale or duplicate event) is a no-op.
 */
export class DynamoLedger implements JobStore, SlotStore, ScalingStore, ScheduleStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retentionDays: number;
  private readonly clock: Clock;
  private readonly scaling: ScalingItems;
  private readonly schedules: ScheduleItems;

  constructor(options: DynamoLedgerOptions) {
    const client = options.client ?? new DynamoDBClient({});
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    this.table = options.tableName;
    this.retentionDays = options.retentionDays ?? 90;
    this.clock = options.clock ?? { now: () => new Date() };
    this.scaling = new ScalingItems(this.doc, this.table, () => this.clock.now());
    this.schedules = new ScheduleItems(this.doc, this.table, (job) => jobToItem(job, this.retentionDays));
  }

  scheduleState(schedule: string): Promise<ScheduleState> {
    return this.schedules.scheduleState(schedule);
  }

  startRun(schedule: string, run: ScheduleRun, job: Job, replacing?: string): Promise<StartRunResult> {
    return this.schedules.startRun(schedule, run, job, replacing);
  }

  recordRun(schedule: string, run: ScheduleRun): Promise<void> {
    return this.schedules.recordRun(schedule, run);
  }

  finishRun(schedule: string, jobId: string, state: string, at: string): Promise<void> {
    return this.schedules.finishRun(schedule, jobId, state, at);
  }

  markChecked(schedule: string, until: string): Promise<void> {
    return this.schedules.markChecked(schedule, until);
  }

  restartChecks(
    schedule: string,
    checks: { from: string; expression: string; anchor?: string },
  ): Promise<void> {
    return this.schedules.restartChecks(schedule, checks);
  }

  workerRecord(worker: string, service: string): Promise<WorkerRecord> {
    return this.scaling.workerRecord(worker, service);
  }

  /** Records the decision; its own history item too when `history` (a change, or a new kind of reason). */
  recordDecision(
    record: DecisionRecord,
    memory: ScalingMemory,
    version: number,
    history = true,
  ): Promise<boolean> {
    return this.scaling.recordDecision(record, memory, version, history);
  }

  decisions(service: string, query?: { limit?: number; cursor?: string }) {
    return this.scaling.decisions(service, query);
  }

  recordServiceTask(service: string, taskArn: string, lastStatus: string, version: number): Promise<void> {
    return this.scaling.recordServiceTask(service, taskArn, lastStatus, version);
  }

  async createJob(job: Job): Promise<{ created: boolean; job: Job }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: jobToItem(job, this.retentionDays),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': KEY.pk },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, job };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        return { created: false, job: itemToJob(unmarshall(error.Item)) };
      }
      throw new LedgerError('createJob', job.jobId, { cause: error });
    }
  }

  async applyPatch(jobId: string, patch: JobPatch): Promise<ApplyResult> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          ...patchToUpdate(jobId, patch, this.retentionDays),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      if (!result.Attributes) throw new Error('UpdateItem returned no attributes');
      return { applied: true, job: itemToJob(result.Attributes) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // The guard refused the patch: a stale or duplicate event, a finished job, or an unknown one.
        return error.Item
          ? { applied: false, current: itemToJob(unmarshall(error.Item)) }
          : { applied: false };
      }
      throw new LedgerError('applyPatch', jobId, { cause: error });
    }
  }

  async getJob(jobId: string): Promise<Job | undefined> {
    try {
      const result = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.job(jobId), ConsistentRead: true }),
      );
      if (!result.Item || isExpired(result.Item, this.clock.now())) return undefined;
      return itemToJob(result.Item);
    } catch (error) {
      throw new LedgerError('getJob', jobId, { cause: error });
    }
  }

  async listJobs(query: JobQuery): Promise<JobPage> {
    const index = query.source ? INDEX.bySource : INDEX.all;
    const partition = query.source ? keys.bySource(query.source) : ALL_JOBS_PARTITION;
    return this.queryJobs(`listJobs ${partition}`, {
      index,
      partition,
      newestFirst: true,
      limit: query.limit,
      cursor: query.cursor,
      ...(query.state ? { filter: (job: Job) => job.state === query.state } : {}),
    });
  }

  async openJobs(source: string, query: OpenJobQuery = {}): Promise<JobPage> {
    return this.queryJobs(`openJobs ${source}`, {
      index: INDEX.open,
      partition: keys.open(source),
      newestFirst: false,
      limit: query.limit,
      cursor: query.cursor,
      filter: (job: Job) => !isTerminal(job.state),
      // '~' sorts after every character of an ISO time or a job id, so the bounds take every job up to them.
      ...(query.dueBy ? { sortBetween: ['W#', `W#${query.dueBy.toISOString()}~`] as const } : {}),
      ...(query.active
        ? {
            sortBetween: [
              keys.active(query.active.from ?? ''),
              query.active.through === undefined ? keys.active('~') : keys.active(query.active.through),
            ] as const,
          }
        : {}),
    });
  }

  async acquireSlot(source: string, holder: string, cap: number): Promise<boolean> {
    const attempt = async () => {
      const x = new ExpressionBuilder();
      const holders = x.name('holders');
      const path = `${holders}.${x.name(holder)}`;
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.slots(source),
          UpdateExpression: `SET ${path} = ${x.value(this.clock.now().toISOString())}`,
          ConditionExpression: `attribute_exists(${path}) OR size(${holders}) < ${x.value(cap)}`,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...x.attributes(),
        }),
      );
    };
    try {
      await attempt();
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw new LedgerError('acquireSlot', source, { cause: error });
      }
      if (error.Item) return false; // every slot is taken
    }
    // The slots item does not exist yet: create it empty (once, whoever wins), then try again.
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.slots(source), holders: {} },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': KEY.pk },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw new LedgerError('acquireSlot', source, { cause: error });
      }
    }
    try {
      await attempt();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new LedgerError('acquireSlot', source, { cause: error });
    }
  }

  async releaseSlot(source: string, holder: string): Promise<void> {
    const x = new ExpressionBuilder();
    const holders = x.name('holders');
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.slots(source),
          UpdateExpression: `REMOVE ${holders}.${x.name(holder)}`,
          ConditionExpression: `attribute_exists(${holders})`,
          ...x.attributes(),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return; // nothing was held
      throw new LedgerError('releaseSlot', source, { cause: error });
    }
  }

  async slotHolders(source: string): Promise<Record<string, string>> {
    try {
      const result = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.slots(source), ConsistentRead: true }),
      );
      return (result.Item?.holders as Record<string, string> | undefined) ?? {};
    } catch (error) {
      throw new LedgerError('slotHolders', source, { cause: error });
    }
  }

  async acquireLease(name: string, holder: string, until: Date): Promise<boolean> {
    const now = this.clock.now();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.lease(name),
          UpdateExpression: 'SET #holder = :holder, #until = :until, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#holder) OR #until < :now OR #holder = :holder',
          ExpressionAttributeNames: { '#holder': 'holder', '#until': 'leaseUntil', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':holder': holder,
            ':until': until.toISOString(),
            ':now': now.toISOString(),
            ':ttl': Math.floor(until.getTime() / 1000) + 86400,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new LedgerError('acquireLease', name, { cause: error });
    }
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.lease(name),
          UpdateExpression: 'REMOVE #holder, #until',
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#holder': 'holder', '#until': 'leaseUntil' },
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return; // expired and taken over, or never held
      throw new LedgerError('releaseLease', name, { cause: error });
    }
  }

  /**
   * Queries a KEYS_ONLY index and reads the full jobs. With a filter it keeps reading pages until the
   * page is full; the cursor is the key of the last job returned, so no job is skipped or repeated.
   */
  private async queryJobs(
    what: string,
    q: {
      index: (typeof INDEX)[keyof typeof INDEX];
      partition: string;
      newestFirst: boolean;
      limit: number | undefined;
      cursor: string | undefined;
      sortBetween?: readonly [string, string];
      filter?: (job: Job) => boolean;
    },
  ): Promise<JobPage> {
    const limit = Math.min(Math.max(q.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
    const now = this.clock.now();
    const jobs: Job[] = [];
    let startKey = q.cursor ? decodeCursor(q.cursor) : undefined;
    let lastKey: Record<string, unknown> | undefined;
    try {
      do {
        const x = new ExpressionBuilder();
        let condition = `${x.name(q.index.pk)} = ${x.value(q.partition)}`;
        if (q.sortBetween) {
          condition += ` AND ${x.name(q.index.sk)} BETWEEN ${x.value(q.sortBetween[0])} AND ${x.value(q.sortBetween[1])}`;
        }
        const input: QueryCommandInput = {
          TableName: this.table,
          IndexName: q.index.name,
          KeyConditionExpression: condition,
          ScanIndexForward: !q.newestFirst,
          Limit: limit - jobs.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...x.attributes(),
        };
        const page = await this.doc.send(new QueryCommand(input));
        const indexItems = page.Items ?? [];
        const full = await this.fullItems(indexItems);
        startKey = page.LastEvaluatedKey;
        for (const indexItem of indexItems) {
          // The cursor is the index entry as queried: the item itself may have moved in the index since.
          lastKey = indexKeyOf(indexItem, q.index);
          const item = full.get(indexItem[KEY.pk] as string);
          if (!item || isExpired(item, now)) continue;
          const job = itemToJob(item);
          if (q.filter && !q.filter(job)) continue;
          jobs.push(job);
          if (jobs.length >= limit) break;
        }
        if (jobs.length >= limit) break;
      } while (startKey);
    } catch (error) {
      throw new LedgerError(what, q.partition, { cause: error });
    }
    const more = jobs.length >= limit && lastKey !== undefined;
    return more ? { jobs, cursor: encodeCursor(lastKey as Record<string, unknown>) } : { jobs };
  }

  /** Reads the items behind index entries, by pk (BatchGetItem, retrying unprocessed keys). */
  private async fullItems(
    indexItems: Record<string, unknown>[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const wanted = indexItems.map((item) => ({ [KEY.pk]: item[KEY.pk], [KEY.sk]: item[KEY.sk] }));
    for (let i = 0; i < wanted.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = wanted.slice(i, i + BATCH_GET_LIMIT);
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
        const result = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.table] ?? []) found.set(item[KEY.pk] as string, item);
        pending = result.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
  }
}

function indexKeyOf(item: Record<string, unknown>, index: (typeof INDEX)[keyof typeof INDEX]) {
  return {
    [KEY.pk]: item[KEY.pk],
    [KEY.sk]: item[KEY.sk],
    [index.pk]: item[index.pk],
    [index.sk]: item[index.sk],
  };
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof key !== 'object' || key === null) throw new Error('not an object');
    return key as Record<string, unknown>;
  } catch (error) {
    throw new LedgerError('decodeCursor', cursor, { cause: error });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
