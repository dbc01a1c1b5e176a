import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  type PutCommandOutput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LedgerError } from '../errors';
import { ExpressionBuilder } from './expression';
import { type INDEX, KEY } from './table';

/*
 * The ledger table as the stores use it: every request names the table here, and every failure
 * becomes a LedgerError naming the operation and key. A conditional write whose condition is false
 * is not a failure but an answer (a stale event, a slot taken, a race lost), so the write returns it
 * instead of throwing; anything else (throttling, a conflicting transaction) throws, so the caller
 * is retried and nothing is lost.
 */

type Item = Record<string, unknown>;
type WithoutTable<T> = Omit<T, 'TableName'>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type LedgerIndex = (typeof INDEX)[keyof typeof INDEX];

/** A conditional write's answer: written, or refused by its condition (with the item as it was, if asked for). */
export type WriteResult<Output> =
  | { refused: false; output: Output }
  | { refused: true; old: Item | undefined; cause: ConditionalCheckFailedException };

/** One write of a transaction. */
export type TransactWrite =
  | { Put: WithoutTable<NonNullable<TransactItem['Put']>> }
  | { Update: WithoutTable<NonNullable<TransactItem['Update']>> };

/** A transaction's answer: written, or refused: for each write in order, whether its condition failed. */
export type TransactResult =
  | { refused: false }
  | { refused: true; reasons: { failed: boolean; old: Item | undefined }[] };

export interface IndexQuery<T> {
  index: LedgerIndex;
  partition: string;
  newestFirst: boolean;
  /** Page size, already bounded. */
  limit: number;
  cursor: string | undefined;
  /** Sort keys between these two, inclusive. */
  sortBetween?: readonly [string, string] | undefined;
  /** Sort keys that begin with this (begins_with). */
  sortPrefix?: string | undefined;
  /** What an item stands for in the page, or undefined to leave it out (expired, filtered). */
  select: (item: Item) => T | undefined;
}

const BATCH_GET_LIMIT = 100;

export class LedgerTable {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  /** Reads one item (undefined when there is none). */
  async get(operation: string, key: string, input: WithoutTable<GetCommandInput>): Promise<Item | undefined> {
    try {
      return (await this.doc.send(new GetCommand({ TableName: this.name, ...input }))).Item;
    } catch (error) {
      throw new LedgerError(operation, key, { cause: error });
    }
  }

  /** Puts an item; with a condition, a false one is answered as refused. */
  put(operation: string, key: string, input: WithoutTable<PutCommandInput>) {
    return this.conditional<PutCommandOutput>(operation, key, () =>
      this.doc.send(new PutCommand({ TableName: this.name, ...input })),
    );
  }

  /** Updates an item; with a condition, a false one is answered as refused. */
  update(operation: string, key: string, input: WithoutTable<UpdateCommandInput>) {
    return this.conditional<UpdateCommandOutput>(operation, key, () =>
      this.doc.send(new UpdateCommand({ TableName: this.name, ...input })),
    );
  }

  /**
   * Writes all or nothing. Refused when a condition failed; cancelled for any other reason alone
   * (throttling, a conflicting transaction) it throws, since then no condition said no.
   */
  async transact(operation: string, key: string, writes: TransactWrite[]): Promise<TransactResult> {
    const items = writes.map((w) =>
      'Put' in w
        ? { Put: { TableName: this.name, ...w.Put } }
        : { Update: { TableName: this.name, ...w.Update } },
    );
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return { refused: false };
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (!reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
        throw new LedgerError(operation, key, { cause: error });
      }
      return {
        refused: true,
        reasons: reasons.map((r) => ({
          failed: r.Code === 'ConditionalCheckFailed',
          old: r.Item ? unmarshall(r.Item as Record<string, AttributeValue>) : undefined,
        })),
      };
    }
  }

  /** One page of a query. */
  async query(
    operation: string,
    key: string,
    input: WithoutTable<QueryCommandInput>,
  ): Promise<QueryCommandOutput> {
    try {
      return await this.doc.send(new QueryCommand({ TableName: this.name, ...input }));
    } catch (error) {
      throw new LedgerError(operation, key, { cause: error });
    }
  }

  /**
   * Queries a KEYS_ONLY index and reads the full items. When `select` leaves items out it keeps
   * reading pages until the page is full; the cursor is the key of the last index entry looked at,
   * so no item is skipped or repeated.
   */
  async queryIndex<T>(
    operation: string,
    key: string,
    q: IndexQuery<T>,
  ): Promise<{ items: T[]; cursor?: string }> {
    const items: T[] = [];
    let startKey = q.cursor ? decodeCursor(q.cursor) : undefined;
    let lastKey: Item | undefined;
    try {
      do {
        const x = new ExpressionBuilder();
        let condition = `${x.name(q.index.pk)} = ${x.value(q.partition)}`;
        if (q.sortBetween) {
          condition += ` AND ${x.name(q.index.sk)} BETWEEN ${x.value(q.sortBetween[0])} AND ${x.value(q.sortBetween[1])}`;
        }
        if (q.sortPrefix !== undefined) {
          condition += ` AND begins_with(${x.name(q.index.sk)}, ${x.value(q.sortPrefix)})`;
        }
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.name,
            IndexName: q.index.name,
            KeyConditionExpression: condition,
            ScanIndexForward: !q.newestFirst,
            Limit: q.limit - items.length,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            ...x.attributes(),
          }),
        );
        const indexItems = page.Items ?? [];
        const full = await this.fullItems(indexItems);
        startKey = page.LastEvaluatedKey;
        for (const indexItem of indexItems) {
          // The cursor is the index entry as queried: the item itself may have moved in the index since.
          lastKey = indexKeyOf(indexItem, q.index);
          const item = full.get(indexItem[KEY.pk] as string);
          const selected = item ? q.select(item) : undefined;
          if (selected === undefined) continue;
          items.push(selected);
          if (items.length >= q.limit) break;
        }
        if (items.length >= q.limit) break;
      } while (startKey);
    } catch (error) {
      throw new LedgerError(operation, key, { cause: error });
    }
    const more = items.length >= q.limit && lastKey !== undefined;
    return more ? { items, cursor: encodeCursor(lastKey as Item) } : { items };
  }

  /** Reads the items behind index entries, by pk (BatchGetItem, retrying unprocessed keys). */
  private async fullItems(indexItems: Item[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const wanted = indexItems.map((item) => ({ [KEY.pk]: item[KEY.pk], [KEY.sk]: item[KEY.sk] }));
    for (let i = 0; i < wanted.length; i += BATCH_GET_LIMIT) {
      let pending: Item[] = wanted.slice(i, i + BATCH_GET_LIMIT);
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
        const result = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.name] ?? []) found.set(item[KEY.pk] as string, item);
        pending = result.UnprocessedKeys?.[this.name]?.Keys ?? [];
      }
    }
    return found;
  }

  private async conditional<Output>(
    operation: string,
    key: string,
    send: () => Promise<Output>,
  ): Promise<WriteResult<Output>> {
    try {
      return { refused: false, output: await send() };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { refused: true, old: error.Item ? unmarshall(error.Item) : undefined, cause: error };
      }
      throw new LedgerError(operation, key, { cause: error });
    }
  }
}

/** A page size within bounds: `fallback` when none is asked for, at least 1, at most `max`. */
export function pageSize(limit: number | undefined, fallback: number, max: number): number {
  return Math.min(Math.max(limit ?? fallback, 1), max);
}

/** The opaque cursor handed out for a query's next page: the key to start after. */
export function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key to start after, from a cursor `encodeCursor` made. */
export function decodeCursor(cursor: string): Item {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof key !== 'object' || key === null) throw new Error('not an object');
    return key as Item;
  } catch (error) {
    throw new LedgerError('decodeCursor', cursor, { cause: error });
  }
}

function indexKeyOf(item: Item, index: LedgerIndex): Item {
  return {
    [KEY.pk]: item[KEY.pk],
    [KEY.sk]: item[KEY.sk],
    [index.pk]: item[index.pk],
    [index.sk]: item[index.sk],
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
