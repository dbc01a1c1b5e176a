import type { Job } from '@stevedore/core/job';
import type { ScheduleRun, ScheduleState, ScheduleStore, StartRunResult } from '@stevedore/core/ports';
import { jobToItem } from './job-item';
import type { LedgerTable } from './ledger-table';
import { KEY, keys } from './table';

/*
 * Schedules in the ledger, one item each (`SCHED#<name>` / `STATE`): the active run the overlap
 * policy guards with a conditional write, the last run, the last success, and how far missed runs
 * have been checked.
 */
export class DynamoScheduleStore implements ScheduleStore {
  constructor(
    private readonly table: LedgerTable,
    /** How long finished jobs are kept: a run's job is written as the job store writes jobs. */
    private readonly retentionDays: number,
  ) {}

  async scheduleState(schedule: string): Promise<ScheduleState> {
    const item = await this.table.get('scheduleState', schedule, {
      Key: keys.schedule(schedule),
      ConsistentRead: true,
    });
    if (!item) return {};
    const { activeJob, lastRun, lastSuccess, checkedUntil, checkedExpression, anchor } =
      item as ScheduleState;
    return {
      ...(activeJob ? { activeJob } : {}),
      ...(lastRun ? { lastRun } : {}),
      ...(lastSuccess ? { lastSuccess } : {}),
      ...(checkedUntil ? { checkedUntil } : {}),
      ...(checkedExpression ? { checkedExpression } : {}),
      ...(anchor ? { anchor } : {}),
    };
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
    const written = await this.table.transact('startRun', schedule, [
      {
        Update: {
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
          Item: jobToItem(job, this.retentionDays),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': KEY.pk },
        },
      },
    ]);
    if (!written.refused) return { started: true };
    const [claim, put] = written.reasons;
    if (put?.failed) return { started: false, duplicate: true };
    // The claim was refused: another run is active.
    const activeJob = claim?.old
      ? (claim.old as ScheduleState).activeJob
      : (await this.scheduleState(schedule)).activeJob;
    return activeJob ? { started: false, activeJob } : { started: false };
  }

  async recordRun(schedule: string, run: ScheduleRun): Promise<void> {
    await this.setIfNewer(schedule, 'lastRun', run, 'recordRun');
  }

  async finishRun(schedule: string, jobId: string, state: string, at: string): Promise<void> {
    // Refused when this is not (or no longer) the active run: allow-policy runs, replaced runs, redeliveries.
    await this.table.update('finishRun', schedule, {
      Key: keys.schedule(schedule),
      UpdateExpression: 'REMOVE #active',
      ConditionExpression: '#active = :job',
      ExpressionAttributeNames: { '#active': 'activeJob' },
      ExpressionAttributeValues: { ':job': jobId },
    });
    if (state === 'SUCCEEDED') {
      const job = await this.table.get('finishRun', jobId, {
        Key: keys.job(jobId),
        ProjectionExpression: '#input',
        ExpressionAttributeNames: { '#input': 'input' },
      });
      const scheduledTime =
        (job?.input as Record<string, string> | undefined)?.STEVEDORE_SCHEDULED_TIME ?? at;
      await this.setIfNewer(schedule, 'lastSuccess', { jobId, scheduledTime, at }, 'finishRun');
    }
  }

  async markChecked(schedule: string, until: string): Promise<void> {
    // Refused when checks already reached `until`: they never move back.
    await this.table.update('markChecked', schedule, {
      Key: keys.schedule(schedule),
      UpdateExpression: 'SET #checked = :until',
      ConditionExpression: 'attribute_not_exists(#checked) OR #checked < :until',
      ExpressionAttributeNames: { '#checked': 'checkedUntil' },
      ExpressionAttributeValues: { ':until': until },
    });
  }

  async restartChecks(
    schedule: string,
    checks: { from: string; expression: string; anchor?: string },
  ): Promise<void> {
    const set = 'SET #checked = :from, #expression = :expression';
    await this.table.update('restartChecks', schedule, {
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
    });
  }

  /** Sets a run attribute unless it already holds a later scheduled time (out-of-order writers). */
  private async setIfNewer(
    schedule: string,
    attribute: 'lastRun' | 'lastSuccess',
    run: ScheduleRun,
    what: string,
  ): Promise<void> {
    await this.table.update(what, schedule, {
      Key: keys.schedule(schedule),
      UpdateExpression: 'SET #run = :run',
      ConditionExpression: 'attribute_not_exists(#run) OR #run.#time <= :time',
      ExpressionAttributeNames: { '#run': attribute, '#time': 'scheduledTime' },
      ExpressionAttributeValues: { ':run': run, ':time': run.scheduledTime },
    });
  }
}
