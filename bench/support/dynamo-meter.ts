import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { KEY, ledgerTableDefinition } from '@stevedore/aws/ledger';
import { repairImages } from '@stevedore/local';
import { itemSize, readUnits, writeUnits } from './item-size';

/*
 * What DynamoDB would bill for a client's requests, by AWS's rules, on DynamoDB Local:
 * - reads from the items each read returned (GetItem and BatchGetItem per item, Query per page;
 *   4 KB a unit, half for eventually consistent reads, GSI reads always eventually consistent);
 * - successful writes from the table's stream (NEW_AND_OLD_IMAGES), read afterwards: each record is
 *   one write of the larger of the old and new item (1 KB a unit), plus one write per index whose
 *   entry appears or disappears and two per index whose key changes (KEYS_ONLY entries: the keys and
 *   100 bytes of overhead, well under 1 KB). Nothing is read before a write, so the handlers' measured
 *   durations are not inflated by the metering;
 * - refused conditional writes from the existing item, as AWS bills them (its size, or one unit when
 *   there is none): the item the refusal hands back (ALL_OLD), else read afterwards with `sizer`;
 * - storage: each item as last written plus DynamoDB's 100 bytes per item, and each index entry
 *   (the table's and the index's keys plus 100 bytes), for as long as the ledger keeps the item.
 */

type Item = Record<string, AttributeValue>;

export interface DynamoBill {
  requests: Map<string, number>;
  readUnits: number;
  /** Successful writes to items (stream records). */
  itemWrites: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
  /** Refused conditional writes and their units. */
  refusedWrites: number;
  refusedWriteUnits: number;
}

export function emptyBill(): DynamoBill {
  return {
    requests: new Map(),
    readUnits: 0,
    itemWrites: 0,
    tableWriteUnits: 0,
    indexWriteUnits: 0,
    refusedWrites: 0,
    refusedWriteUnits: 0,
  };
}

export function writeUnitsOf(bill: DynamoBill): number {
  return bill.tableWriteUnits + bill.indexWriteUnits + bill.refusedWriteUnits;
}

/**
 * Meters the reads and refused writes a client sends (successful writes come from `meterStream`);
 * `sizer`, an unmetered client of the same tables, reads the existing item of a refusal that did not
 * hand it back.
 */
export function meterRequests(client: DynamoDBClient, bill: DynamoBill, sizer: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      bill.requests.set(name, (bill.requests.get(name) ?? 0) + 1);
      const input = args.input as {
        ConsistentRead?: boolean;
        RequestItems?: Record<string, { ConsistentRead?: boolean }>;
        TableName?: string;
        Key?: Item;
        Item?: Item;
      };
      try {
        const result = await next(args);
        const output = result.output as { Item?: Item; Items?: Item[]; Responses?: Record<string, Item[]> };
        if (name === 'GetItemCommand')
          bill.readUnits += readUnits(itemSize(output.Item), input.ConsistentRead === true);
        if (name === 'QueryCommand' || name === 'ScanCommand') {
          const bytes = (output.Items ?? []).reduce((n, item) => n + itemSize(item), 0);
          bill.readUnits += readUnits(bytes, input.ConsistentRead === true);
        }
        if (name === 'BatchGetItemCommand') {
          for (const [table, items] of Object.entries(output.Responses ?? {})) {
            const consistent = input.RequestItems?.[table]?.ConsistentRead === true;
            for (const item of items) bill.readUnits += readUnits(itemSize(item), consistent);
          }
        }
        return result;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          bill.refusedWrites += 1;
          const existing = (error.Item as Item | undefined) ?? (await existingItem(sizer, input));
          bill.refusedWriteUnits += writeUnits(itemSize(existing));
        }
        throw error;
      }
    },
    { step: 'build', name: 'meterRequests' },
  );
}

/** The item a refused write found (read strongly consistent, unmetered), or undefined when none. */
async function existingItem(
  sizer: DynamoDBClient,
  input: { TableName?: string; Key?: Item; Item?: Item },
): Promise<Item | undefined> {
  const source = input.Key ?? input.Item;
  const pk = source?.[KEY.pk];
  const sk = source?.[KEY.sk];
  if (!input.TableName || !pk || !sk) return undefined;
  const { Item } = await sizer.send(
    new GetItemCommand({
      TableName: input.TableName,
      Key: { [KEY.pk]: pk, [KEY.sk]: sk },
      ConsistentRead: true,
    }),
  );
  return Item;
}

/** Bytes DynamoDB stores for an item and its index entries (storage billing, per GB-month). */
export function storedBytes(item: Item): number {
  const indexes = ledgerTableDefinition('bench').GlobalSecondaryIndexes ?? [];
  const tableKeys = itemSize({
    [KEY.pk]: item[KEY.pk] as AttributeValue,
    [KEY.sk]: item[KEY.sk] as AttributeValue,
  });
  let bytes = itemSize(item) + STORAGE_OVERHEAD_BYTES;
  for (const index of indexes) {
    const names = (index.KeySchema ?? []).map((k) => k.AttributeName ?? '');
    if (names.some((name) => item[name] === undefined)) continue;
    const keys = Object.fromEntries(names.map((name) => [name, item[name] as AttributeValue]));
    bytes += tableKeys + itemSize(keys) + STORAGE_OVERHEAD_BYTES;
  }
  return bytes;
}

/** DynamoDB's per-item overhead in storage, for a table item and for an index entry alike. */
const STORAGE_OVERHEAD_BYTES = 100;

/** A ledger write as the stream recorded it. */
export interface StreamWrite {
  record: _Record;
  oldImage: Item | undefined;
  newImage: Item | undefined;
}

/** Reads every record of the table's stream so far (all shards, from their start). */
export async function readStream(
  endpoint: string,
  client: DynamoDBClient,
  table: string,
): Promise<StreamWrite[]> {
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  const streamArn = described.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${table} has no stream`);
  const streams = new DynamoDBStreamsClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const writes: StreamWrite[] = [];
  try {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        for (const raw of page.Records ?? []) {
          // As Lambda's event JSON has it: empty maps kept (the SDK drops their type), time in seconds.
          const change = repairImages(raw.dynamodb);
          const created = change?.ApproximateCreationDateTime;
          const record = {
            ...raw,
            dynamodb: {
              ...change,
              ApproximateCreationDateTime: created ? created.getTime() / 1000 : undefined,
            },
          } as unknown as _Record;
          writes.push({
            record,
            oldImage: change?.OldImage as Item | undefined,
            newImage: change?.NewImage as Item | undefined,
          });
        }
        // An open shard hands out iterators forever: stop at its end of data.
        if ((page.Records ?? []).length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
  } finally {
    streams.destroy();
  }
  return writes.sort((a, b) =>
    (a.record.dynamodb?.SequenceNumber ?? '').localeCompare(b.record.dynamodb?.SequenceNumber ?? '', 'en', {
      numeric: true,
    }),
  );
}

/** Adds the writes of stream records to the bill: item and index write units. */
export function billWrites(bill: DynamoBill, writes: readonly StreamWrite[]): void {
  const indexes = ledgerTableDefinition('bench').GlobalSecondaryIndexes ?? [];
  for (const write of writes) {
    bill.itemWrites += 1;
    bill.tableWriteUnits += writeUnits(Math.max(itemSize(write.oldImage), itemSize(write.newImage)));
    for (const index of indexes) bill.indexWriteUnits += indexWrites(index, write.oldImage, write.newImage);
  }
}

/** Writes a KEYS_ONLY index takes for one item write: 0 when its entry is unchanged. */
function indexWrites(index: GlobalSecondaryIndex, before: Item | undefined, after: Item | undefined): number {
  const names = (index.KeySchema ?? []).map((k) => k.AttributeName ?? '');
  const entry = (item: Item | undefined) => {
    if (!item || names.some((name) => item[name] === undefined)) return undefined;
    return JSON.stringify(names.map((name) => item[name]));
  };
  const [was, is] = [entry(before), entry(after)];
  if (was === is) return 0;
  // An entry is its keys plus 100 bytes: one unit each, put or delete.
  return (was === undefined ? 0 : 1) + (is === undefined ? 0 : 1);
}
