import type { Clock, DecisionRecord, ScalingStore, WorkerRecord } from '@stevedore/core/ports';
import type { ScalingMemory } from '@stevedore/core/scaling';
import { FRESH_MEMORY } from '@stevedore/core/scaling';
import { LedgerError } from '../errors';
import { ExpressionBuilder } from './expression';
import { decodeCursor, encodeCursor, type LedgerTable, pageSize } from './ledger-table';
import { keys, TTL_ATTRIBUTE } from './table';

/*
 * Workers in the ledger, one item per service (`SVC#<service>` / `STATE`): the scaling memory, a
 * version every decision bumps, the last decision, and the service's tasks as their events report
 * them. Each recorded decision is also an item of its own (`SCALE#<time>`), kept a week.
 */

const DECISION_RETENTION_DAYS = 7;
/** Stopped tasks leave the view once this old (their late events cannot revive them before). */
const STOPPED_KEEP_MS = 60 * 60_000;

interface TaskEntry {
  status: string;
  version: number;
  at: string;
}

export class DynamoScalingStore implements ScalingStore {
  constructor(
    private readonly table: LedgerTable,
    private readonly clock: Clock,
  ) {}

  async workerRecord(worker: string, service: string): Promise<WorkerRecord> {
    const item = await this.table.get('workerRecord', worker, {
      Key: keys.serviceState(service),
      ConsistentRead: true,
    });
    const entries = (item?.tasks ?? {}) as Record<string, TaskEntry>;
    const tasks = Object.fromEntries(
      Object.entries(entries)
        .filter(([, entry]) => entry.status !== 'STOPPED')
        .map(([arn, entry]) => [arn, entry.status]),
    );
    return {
      memory: (item?.memory as ScalingMemory | undefined) ?? FRESH_MEMORY,
      version: (item?.version as number | undefined) ?? 0,
      ...(item?.lastDecision ? { lastDecision: item.lastDecision as DecisionRecord } : {}),
      tasks,
    };
  }

  /** Records the decision; its own history item too when `history` (a change, or a new kind of reason). */
  async recordDecision(
    record: DecisionRecord,
    memory: ScalingMemory,
    version: number,
    history = true,
  ): Promise<boolean> {
    const state = {
      Key: keys.serviceState(record.service),
      UpdateExpression: 'SET #memory = :memory, #version = :next, #last = :last, #worker = :worker',
      ConditionExpression: 'attribute_not_exists(#version) OR #version = :version',
      ExpressionAttributeNames: {
        '#memory': 'memory',
        '#version': 'version',
        '#last': 'lastDecision',
        '#worker': 'worker',
      },
      ExpressionAttributeValues: {
        ':memory': memory,
        ':next': version + 1,
        ':version': version,
        ':last': record,
        ':worker': record.worker,
      },
    };
    const expiresAt = Math.floor(Date.parse(record.at) / 1000) + DECISION_RETENTION_DAYS * 86400;
    const item = {
      ...keys.decision(record.service, record.at, version + 1),
      ...record,
      [TTL_ATTRIBUTE]: expiresAt,
    };
    // Refused: another decision was recorded since `version`, the race is lost (the history item has
    // no condition, so only the version's can refuse). Anything else (throttling, a conflicting
    // transaction) throws, so the caller is retried and the decision not lost.
    const written = history
      ? await this.table.transact('recordDecision', record.service, [
          { Update: state },
          { Put: { Item: item } },
        ])
      : await this.table.update('recordDecision', record.service, state);
    return !written.refused;
  }

  async decisions(
    service: string,
    query: { limit?: number; cursor?: string } = {},
  ): Promise<{ decisions: DecisionRecord[]; cursor?: string }> {
    const page = await this.table.query('decisions', service, {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :scale)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': keys.serviceState(service).pk, ':scale': 'SCALE#' },
      ScanIndexForward: false,
      Limit: pageSize(query.limit, 50, 500),
      ...(query.cursor ? { ExclusiveStartKey: decodeCursor(query.cursor) } : {}),
    });
    const decisions = (page.Items ?? []).map(
      ({ pk: _pk, sk: _sk, [TTL_ATTRIBUTE]: _ttl, ...record }) => record as DecisionRecord,
    );
    return page.LastEvaluatedKey ? { decisions, cursor: encodeCursor(page.LastEvaluatedKey) } : { decisions };
  }

  /** Newer events win (by the task's version); STOPPED entries stay a while so late events cannot revive them. */
  async recordServiceTask(
    service: string,
    taskArn: string,
    lastStatus: string,
    version: number,
  ): Promise<void> {
    const update = () => {
      // A fresh builder per call: the retry after creating the item must not carry unused values.
      const x = new ExpressionBuilder();
      const path = `${x.name('tasks')}.${x.name(taskArn)}`;
      return this.table.update('recordServiceTask', service, {
        Key: keys.serviceState(service),
        UpdateExpression: `SET ${path} = ${x.value({ status: lastStatus, version, at: this.clock.now().toISOString() })}`,
        ConditionExpression: `attribute_not_exists(${path}) OR ${path}.${x.name('version')} < ${x.value(version)}`,
        // A stop is when old entries are pruned: the write hands back the map to prune, no read.
        ...(lastStatus === 'STOPPED' ? { ReturnValues: 'ALL_NEW' as const } : {}),
        ...x.attributes(),
      });
    };
    let written: Awaited<ReturnType<typeof update>>;
    try {
      written = await update();
    } catch (error) {
      if (!isMissingMap(error)) throw error;
      await this.createState(service);
      written = await update();
    }
    if (written.refused) return; // an older or duplicate event
    const attributes = written.output.Attributes;
    if (attributes) await this.pruneStopped(service, (attributes.tasks ?? {}) as Record<string, TaskEntry>);
  }

  private async createState(service: string): Promise<void> {
    const put = await this.table.put('recordServiceTask', service, {
      Item: { ...keys.serviceState(service), tasks: {} },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
    if (!put.refused) return;
    // The item exists without a tasks map (a decision was recorded first): add the map.
    await this.table.update('recordServiceTask', service, {
      Key: keys.serviceState(service),
      UpdateExpression: 'SET #tasks = if_not_exists(#tasks, :empty)',
      ExpressionAttributeNames: { '#tasks': 'tasks' },
      ExpressionAttributeValues: { ':empty': {} },
    });
  }

  /** Drops STOPPED entries older than an hour, keeping the item small. */
  private async pruneStopped(service: string, entries: Record<string, TaskEntry>): Promise<void> {
    const cutoff = this.clock.now().getTime() - STOPPED_KEEP_MS;
    const old = Object.entries(entries).filter(
      ([, entry]) => entry.status === 'STOPPED' && Date.parse(entry.at) < cutoff,
    );
    if (old.length === 0) return;
    const x = new ExpressionBuilder();
    const tasks = x.name('tasks');
    await this.table.update('pruneStopped', service, {
      Key: keys.serviceState(service),
      UpdateExpression: `REMOVE ${old.map(([arn]) => `${tasks}.${x.name(arn)}`).join(', ')}`,
      ...x.attributes(),
    });
  }
}

/** UpdateItem's refusal of a path into a map the item does not have yet (the tasks map). */
function isMissingMap(error: unknown): boolean {
  const cause = error instanceof LedgerError ? error.cause : undefined;
  return (
    cause instanceof Error && cause.name === 'ValidationException' && /document path/i.test(cause.message)
  );
}
