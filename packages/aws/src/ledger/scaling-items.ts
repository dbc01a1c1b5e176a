import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DecisionRecord, ScalingMemory, WorkerRecord } from '@stevedore/core';
import { FRESH_MEMORY } from '@stevedore/core';
import { LedgerError } from '../errors';
import { ExpressionBuilder } from './expression';
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

export class ScalingItems {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date,
  ) {}

  async workerRecord(worker: string, service: string): Promise<WorkerRecord> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.serviceState(service), ConsistentRead: true }),
      );
      const entries = (Item?.tasks ?? {}) as Record<string, TaskEntry>;
      const tasks = Object.fromEntries(
        Object.entries(entries)
          .filter(([, entry]) => entry.status !== 'STOPPED')
          .map(([arn, entry]) => [arn, entry.status]),
      );
      return {
        memory: (Item?.memory as ScalingMemory | undefined) ?? FRESH_MEMORY,
        version: (Item?.version as number | undefined) ?? 0,
        ...(Item?.lastDecision ? { lastDecision: Item.lastDecision as DecisionRecord } : {}),
        tasks,
      };
    } catch (error) {
      throw new LedgerError('workerRecord', worker, { cause: error });
    }
  }

  async recordDecision(
    record: DecisionRecord,
    memory: ScalingMemory,
    version: number,
    history: boolean,
  ): Promise<boolean> {
    const state = {
      Update: {
        TableName: this.table,
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
      },
    };
    const expiresAt = Math.floor(Date.parse(record.at) / 1000) + DECISION_RETENTION_DAYS * 86400;
    const item = {
      Put: {
        TableName: this.table,
        Item: {
          ...keys.decision(record.service, record.at, version + 1),
          ...record,
          [TTL_ATTRIBUTE]: expiresAt,
        },
      },
    };
    try {
      if (history) await this.doc.send(new TransactWriteCommand({ TransactItems: [state, item] }));
      else await this.doc.send(new UpdateCommand(state.Update));
      return true;
    } catch (error) {
      // Another decision was recorded since `version`: lost the race. Anything else (throttling, a
      // conflicting transaction) is an error, so the caller is retried and the decision not lost.
      const lostRace =
        error instanceof ConditionalCheckFailedException ||
        (error instanceof TransactionCanceledException &&
          error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed');
      if (lostRace) return false;
      throw new LedgerError('recordDecision', record.service, { cause: error });
    }
  }

  async decisions(service: string, query: { limit?: number; cursor?: string } = {}) {
    try {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :scale)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': keys.serviceState(service).pk, ':scale': 'SCALE#' },
          ScanIndexForward: false,
          Limit: Math.min(Math.max(query.limit ?? 50, 1), 500),
          ...(query.cursor
            ? { ExclusiveStartKey: JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) }
            : {}),
        }),
      );
      const decisions = (page.Items ?? []).map(
        ({ pk: _pk, sk: _sk, [TTL_ATTRIBUTE]: _ttl, ...record }) => record as DecisionRecord,
      );
      return page.LastEvaluatedKey
        ? { decisions, cursor: Buffer.from(JSON.stringify(page.LastEvaluatedKey)).toString('base64url') }
        : { decisions };
    } catch (error) {
      throw new LedgerError('decisions', service, { cause: error });
    }
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
      return this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.serviceState(service),
          UpdateExpression: `SET ${path} = ${x.value({ status: lastStatus, version, at: this.now().toISOString() })}`,
          ConditionExpression: `attribute_not_exists(${path}) OR ${path}.${x.name('version')} < ${x.value(version)}`,
          // A stop is when old entries are pruned: the write hands back the map to prune, no read.
          ...(lastStatus === 'STOPPED' ? { ReturnValues: 'ALL_NEW' as const } : {}),
          ...x.attributes(),
        }),
      );
    };
    let written: Record<string, unknown> | undefined;
    try {
      try {
        written = (await update()).Attributes;
      } catch (error) {
        if (!isMissingMap(error)) throw error;
        await this.createState(service);
        written = (await update()).Attributes;
      }
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return; // an older or duplicate event
      throw new LedgerError('recordServiceTask', service, { cause: error });
    }
    if (written) await this.pruneStopped(service, (written.tasks ?? {}) as Record<string, TaskEntry>);
  }

  private async createState(service: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.serviceState(service), tasks: {} },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The item exists without a tasks map (a decision was recorded first): add the map.
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.serviceState(service),
          UpdateExpression: 'SET #tasks = if_not_exists(#tasks, :empty)',
          ExpressionAttributeNames: { '#tasks': 'tasks' },
          ExpressionAttributeValues: { ':empty': {} },
        }),
      );
    }
  }

  /** Drops STOPPED entries older than an hour, keeping the item small. */
  private async pruneStopped(service: string, entries: Record<string, TaskEntry>): Promise<void> {
    const cutoff = this.now().getTime() - STOPPED_KEEP_MS;
    const old = Object.entries(entries).filter(
      ([, entry]) => entry.status === 'STOPPED' && Date.parse(entry.at) < cutoff,
    );
    if (old.length === 0) return;
    const x = new ExpressionBuilder();
    const tasks = x.name('tasks');
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.serviceState(service),
        UpdateExpression: `REMOVE ${old.map(([arn]) => `${tasks}.${x.name(arn)}`).join(', ')}`,
        ...x.attributes(),
      }),
    );
  }
}

function isMissingMap(error: unknown): boolean {
  return (
    error instanceof Error && error.name === 'ValidationException' && /document path/i.test(error.message)
  );
}
