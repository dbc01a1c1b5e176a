import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { jobItemChanges, withoutSdkLogging } from '@stevedore/aws';
import { type HandlerDeps, publishJobEvents } from '@stevedore/control';
import { parseLedgerStream } from '@stevedore/core/events';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local-account';
import type { OnStop } from '../start-steps';
import { startLedgerStreamPoller } from './ledger-stream-poller';

/** In the state dir: how far the ledger's stream has been turned into job events. */
export const JOB_EVENTS_POSITION_FILE = 'events.position.json';

export interface JobEventStreamOptions {
  /** DynamoDB Local's endpoint: it serves the streams API too. */
  endpoint: string;
  dynamodb: DynamoDBClient;
  table: string;
  stateDir: string;
  /** Their `jobEvents` publisher is the local one (events.jsonl, the bus, a line each). */
  deps: HandlerDeps;
  idleMs?: number;
}

/**
 * `stevedore dev`'s job-events function: the ledger's stream, read as Lambda's event source mapping
 * reads it, through the same parse and the same use case as functions/job-events.ts.
 */
export async function startJobEventStream(options: JobEventStreamOptions, onStop: OnStop): Promise<void> {
  const streams = withoutSdkLogging(
    new DynamoDBStreamsClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: options.endpoint,
    }),
  );
  const { deps } = options;
  const stop = await startLedgerStreamPoller({
    dynamodb: options.dynamodb,
    streams,
    table: options.table,
    positionFile: join(options.stateDir, JOB_EVENTS_POSITION_FILE),
    logger: deps.logger,
    handle: async (records) => {
      const repaired = records.map((record) => ({ ...record, dynamodb: repairImages(record.dynamodb) }));
      await publishJobEvents(deps, jobItemChanges(parseLedgerStream({ Records: repaired })));
    },
    ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
  });
  onStop(async () => {
    await stop();
    streams.destroy();
  });
}

/**
 * The dynamodbstreams client returns an empty map attribute (`{ M: {} }`, a job's `attempts` before its
 * first launch) as `{}`, a value of no type that unmarshall refuses; Lambda's event JSON keeps the `M`.
 */
export function repairImages<
  T extends { OldImage?: object | undefined; NewImage?: object | undefined } | undefined,
>(change: T): T {
  if (!change) return change;
  const repair = (image: object | undefined) =>
    image &&
    Object.fromEntries(
      Object.entries(image).map(([name, value]) => [name, repairValue(value as Record<string, unknown>)]),
    );
  return {
    ...change,
    ...(change.OldImage ? { OldImage: repair(change.OldImage) } : {}),
    ...(change.NewImage ? { NewImage: repair(change.NewImage) } : {}),
  };
}

function repairValue(value: Record<string, unknown>): Record<string, unknown> {
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M && typeof value.M === 'object') {
    const entries = Object.entries(value.M).map(([k, v]) => [k, repairValue(v as Record<string, unknown>)]);
    return { M: Object.fromEntries(entries) };
  }
  if (Array.isArray(value.L)) return { L: value.L.map((v) => repairValue(v as Record<string, unknown>)) };
  return value;
}
