import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand, type DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { Logger } from '@stevedore/core/ports';

/*
 * The local stand-in for a DynamoDB Streams event source mapping: it reads the ledger's stream
 * (DynamoDB Local speaks the dynamodbstreams API on its own endpoint) shard by shard, in order, hands
 * each batch to a handler, and remembers in the state dir how far each shard was handled, so a
 * restart goes on where it stopped: a batch is handed again if the runtime died while handling it
 * (at least once), never skipped.
 *
 * It paces itself as Lambda's event source mapping does: each shard is read about four times a second,
 * and at once again only when a page came back full. Reading again the moment any record came back
 * turned a burst's stream into hundreds of tiny batches, each a GetRecords for DynamoDB Local, a
 * handler call and a position write. The shard list is described again only when it can have
 * changed (a shard ended, none is open) or after SHARD_LIST_MAX_AGE_MS, not before every read.
 */

export interface LedgerStreamPollerOptions {
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  table: string;
  /** JSON file of the last handled sequence number per shard. */
  positionFile: string;
  /** A batch of records in stream order; throwing leaves the position where it was, to try again. */
  handle: (records: _Record[]) => Promise<void>;
  logger: Logger;
  /** Pause between polls unless a shard's page came back full (Lambda: about 250 ms). */
  idleMs?: number;
}

/** Records per GetRecords page: a full one means more are waiting, so the next read is at once. */
const PAGE_LIMIT = 100;
/** Longest time the shard list is used before it is described again, though no shard ended. */
const SHARD_LIST_MAX_AGE_MS = 10_000;

type Shard = { ShardId?: string | undefined; ParentShardId?: string | undefined };

interface Position {
  streamArn: string;
  /** Last handled sequence number per shard. */
  shards: Record<string, string>;
}

/** Turns the table's stream on (NEW_AND_OLD_IMAGES) if a table made before job events lacks it; returns its ARN. */
export async function ensureLedgerStream(client: DynamoDBClient, table: string): Promise<string> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  if (Table?.StreamSpecification?.StreamEnabled && Table.LatestStreamArn) return Table.LatestStreamArn;
  const updated = await client.send(
    new UpdateTableCommand({
      TableName: table,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const arn = updated.TableDescription?.LatestStreamArn;
  if (!arn) throw new Error(`the stream of ${table} has no ARN after enabling it`);
  return arn;
}

/** Starts polling; the returned function stops it and waits for the batch in hand. */
export async function startLedgerStreamPoller(
  options: LedgerStreamPollerOptions,
): Promise<() => Promise<void>> {
  const streamArn = await ensureLedgerStream(options.dynamodb, options.table);
  const saved = readPosition(options.positionFile);
  // A new stream (the table was made again) starts from its beginning.
  const position: Position = saved?.streamArn === streamArn ? saved : { streamArn, shards: {} };
  const iterators = new Map<string, string | undefined>();
  const finished = new Set<string>();
  let stopped = false;
  let wake: (() => void) | undefined;

  const iteratorFor = async (shardId: string): Promise<string | undefined> => {
    const after = position.shards[shardId];
    const { ShardIterator } = await options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  };

  let shards: Shard[] | undefined;
  let describedAt = 0;
  /** The stream's shards, described again only when they can have changed. */
  const currentShards = async (): Promise<Shard[]> => {
    const open = shards?.some((shard) => shard.ShardId !== undefined && !finished.has(shard.ShardId));
    if (!shards || !open || Date.now() - describedAt > SHARD_LIST_MAX_AGE_MS) {
      const { StreamDescription } = await options.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn }),
      );
      shards = StreamDescription?.Shards ?? [];
      describedAt = Date.now();
    }
    return shards;
  };

  /** Reads every open shard once; true when some shard's page was full (more records are waiting). */
  const pollOnce = async (): Promise<boolean> => {
    let full = false;
    let ended = false;
    // Parents before children: DynamoDB lists shards so, and a child's records come after its parent's.
    for (const shard of await currentShards()) {
      const shardId = shard.ShardId;
      if (!shardId || finished.has(shardId)) continue;
      if (shard.ParentShardId && !finished.has(shard.ParentShardId) && iterators.has(shard.ParentShardId))
        continue;
      let iterator = iterators.has(shardId) ? iterators.get(shardId) : await iteratorFor(shardId);
      if (!iterator) {
        finished.add(shardId);
        ended = true;
        continue;
      }
      const page = await options.streams
        .send(new GetRecordsCommand({ ShardIterator: iterator, Limit: PAGE_LIMIT }))
        .catch(async (error: unknown) => {
          if (!(error instanceof ExpiredIteratorException)) throw error;
          iterator = await iteratorFor(shardId);
          return iterator
            ? options.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: PAGE_LIMIT }))
            : {};
        });
      const records = 'Records' in page ? (page.Records ?? []) : [];
      if (records.length > 0) {
        if (records.length >= PAGE_LIMIT) full = true;
        await options.handle(records);
        const last = records.at(-1)?.dynamodb?.SequenceNumber;
        if (last) {
          position.shards[shardId] = last;
          writePosition(options.positionFile, position);
        }
      }
      const next = 'NextShardIterator' in page ? page.NextShardIterator : undefined;
      iterators.set(shardId, next);
      if (!next) {
        finished.add(shardId);
        ended = true;
      }
    }
    // An ended shard's children are read next: describe the stream again and go on at once.
    if (ended) shards = undefined;
    return full || ended;
  };

  const loop = (async () => {
    while (!stopped) {
      let busy = false;
      try {
        busy = await pollOnce();
      } catch (error) {
        // The batch stays unhandled: the next poll starts again from the saved position.
        iterators.clear();
        shards = undefined;
        options.logger.warn('job events: the ledger stream batch failed, retrying', { error: String(error) });
      }
      if (!busy && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, options.idleMs ?? 250);
        });
      }
    }
  })();

  return async () => {
    stopped = true;
    wake?.();
    await loop;
  };
}

function readPosition(file: string): Position | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Position>;
    return typeof parsed.streamArn === 'string' && parsed.shards && typeof parsed.shards === 'object'
      ? { streamArn: parsed.streamArn, shards: parsed.shards }
      : undefined;
  } catch {
    // A torn or hand-edited file: start from the stream's beginning (duplicates, never a loss).
    return undefined;
  }
}

function writePosition(file: string, position: Position): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(position));
  renameSync(`${file}.tmp`, file);
}
