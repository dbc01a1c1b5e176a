import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Job, ScheduleRun, ScheduleState, StartRunResult } from '@stevedore/core';
import { LedgerError } from '../errors';
import { KEY, keys } from './table';

/*
 * Schedules in the ledger, one item each (`SCHED#<name>` / `STATE`): the active run the overlap
 * policy guards with a conditional write, the last run, the last success, and how far missed runs
 * have been checked.
 */
export class ScheduleItems {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** The job's item, as the ledger writes jobs. */
    private readonly jobItem: (job: Job) => Record<string, unknown>,
  ) {}

  async scheduleState(schedule: string): Promise<ScheduleState> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.schedule(schedule), ConsistentRead: true }),
      );
      if (!Item) return {};
      const { activeJob, lastRun, lastSuccess, checkedUntil, checkedExpression, anchor } =
        Item as ScheduleState;
      return {
        ...(activeJob ? { activeJob } : {}),
        ...(lastRun ? { lastRun } : {}),
        ...(lastSuccess ? { lastSuccess } : {}),
        ...(checkedUntil ? { checkedUntil } : {}),
        ...(checkedExpression ? { checkedExpression } : {}),
        ...(anchor ? { anchor } : {}),
      };
    } catch (error) {
      throw new LedgerError('scheduleState', schedule, { cause: error });
    }
  }

  /**
   * Starts a run under the skip/replace policies: the claim on the schedule item and the run's job
   * are written in one transaction, so there is never a claim without its job, nor two runs
   * created at once. The claim holds if no run is active, or (with `replacing`) that one is.
   */
  async startRun(schedule: string, run: ScheduleRun, job: Job, replacing?: string): Promise<StartRunResult> {
    const condition = replacing
      ? '#active = :replacing OR attribute_not_exists(#active)'
      : 'attribute_not_exists(#active)';
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.schedule(schedule),
                UpdateExpression: 'SET #active = :job, #last = :run',
                ConditionExpression: condition,
                ExpressionAttributeNames: { '#active': 'activeJob', '#last': 'lastRun' },
                ExpressionAttributeValues: {
                  ':job': run.jobId,
                  ':run': run,
                  ...(replacing ? { ':replacing': replacing } : {}),
                },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: this.jobItem(job),
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': KEY.pk },
              },
            },
          ],
        }),
      );
      return { started: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) {
        throw new LedgerError('startRun', schedule, { cause: error });
      }
      const [claim, put] = error.CancellationReasons ?? [];
      if (put?.Code === 'ConditionalCheckFailed') return { started: false, duplicate: true };
      if (claim?.Code !== 'ConditionalCheckFailed') {
        // Conflicting transactions, throttling: nothing was written, the caller's retry decides.
        throw new LedgerError('startRun', schedule, { cause: error });
      }
      const old = claim.Item
        ? (unmarshall(claim.Item as Record<string, AttributeValue>) as ScheduleState)
        : undefined;
      const activeJob = old ? old.activeJob : (await this.scheduleState(schedule)).activeJob;
      return activeJob ? { started: false, activeJob } : { started: false };
    }
  }

  async recordRun(schedule: string, run: ScheduleRun): Promise<void> {
    await this.setIfNewer(schedule, 'lastRun', run, 'recordRun');
  }

  async finishRun(schedule: string, jobId: string, state: string, at: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.schedule(schedule),
          UpdateExpression: 'REMOVE #active',
          ConditionExpression: '#active = :job',
          ExpressionAttributeNames: { '#active': 'activeJob' },
          ExpressionAttributeValues: { ':job': jobId },
        }),
      );
    } catch (error) {
      // Not (or no longer) the active run: allow-policy runs, replaced runs, redeliveries.
      if (!(error instanceof ConditionalCheckFailedException))
        throw new LedgerError('finishRun', schedule, { cause: error });
    }
    if (state === 'SUCCEEDED') {
      const job = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: keys.job(jobId),
          ProjectionExpression: '#input',
          ExpressionAttributeNames: { '#input': 'input' },
        }),
      );
      const scheduledTime =
        (job.Item?.input as Record<string, string> | undefined)?.STEVEDORE_SCHEDULED_TIME ?? at;
      await this.setIfNewer(schedule, 'lastSuccess', { jobId, scheduledTime, at }, 'finishRun');
    }
  }

  async markChecked(schedule: string, until: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.schedule(schedule),
          UpdateExpression: 'SET #checked = :until',
          ConditionExpression: 'attribute_not_exists(#checked) OR #checked < :until',
          ExpressionAttributeNames: { '#checked': 'checkedUntil' },
          ExpressionAttributeValues: { ':until': until },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw new LedgerError('markChecked', schedule, { cause: error });
    }
  }

  async restartChecks(
    schedule: string,
    checks: { from: string; expression: string; anchor?: string },
  ): Promise<void> {
    const set = 'SET #checked = :from, #expression = :expression';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.schedule(schedule),
          UpdateExpression: checks.anchor ? `${set}, #anchor = :anchor` : `${set} REMOVE #anchor`,
          ExpressionAttributeNames: {
            '#checked': 'checkedUntil',
            '#expression': 'checkedExpression',
            '#anchor': 'anchor',
          },
          ExpressionAttributeValues: {
            ':from': checks.from,
            ':expression': checks.expression,
            ...(checks.anchor ? { ':anchor': checks.anchor } : {}),
          },
        }),
      );
    } catch (error) {
      throw new LedgerError('restartChecks', schedule, { cause: error });
    }
  }

  /** Sets a run attribute unless it already holds a later scheduled time (out-of-order writers). */
  private async setIfNewer(
    schedule: string,
    attribute: 'lastRun' | 'lastSuccess',
    run: ScheduleRun,
    what: string,
  ) {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.schedule(schedule),
          UpdateExpression: 'SET #run = :run',
          ConditionExpression: 'attribute_not_exists(#run) OR #run.#time <= :time',
          ExpressionAttributeNames: { '#run': attribute, '#time': 'scheduledTime' },
          ExpressionAttributeValues: { ':run': run, ':time': run.scheduledTime },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw new LedgerError(what, schedule, { cause: error });
    }
  }
}
