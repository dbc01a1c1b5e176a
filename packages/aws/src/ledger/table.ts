import { createHash } from 'node:crypto';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/*
 * The ledger is one DynamoDB table (see DESIGN.md, "DynamoDB: one table"):
 *   job                JOB#<jobId>   / JOB
 *   concurrency slots  PIPE#<source> / SLOTS
 *   scaling decision   SVC#<service> / SCALE#<iso time>
 *   schedule state     SCHED#<name>  / STATE
 *   lease              LEASE#<name>  / LEASE     (one sweeper at a time)
 * Indexes are KEYS_ONLY, so an update that leaves the index keys alone writes nothing to them: an
 * ECS event costs one write, not one per index. Listings read the full items with BatchGetItem.
 *   GSI1  jobs of a source, by creation time   SRC#<source> / <createdAt>#<jobId>
 *   GSI2  open jobs of a source (sparse)       OPEN#<source> / W#<dueAt>#<jobId> (waiting) | A#<jobId> (active)
 *   GSI3  all jobs, by creation time           JOBS / <createdAt>#<jobId>
 *   GSI4  jobs of an object (S3 jobs with an etag) OBJ#<source>#<sha256(bucket, key, etag), 40 hex> / <createdAt>#<jobId>
 *         written once with the job, never updated: how backfill finds that an object has a job,
 *         whatever event (and sequencer) created it.
 *   GSI5  finished jobs by state (sparse)      END#<state> / <createdAt>#<jobId>
 *   GSI6  finished jobs of a source by state   END#<source>#<state> / <createdAt>#<jobId>
 *         both written once, by the write that ends the job (it already leaves GSI2 then; the sort
 *         key is copied from GSI3SK, the source read from the job id), so a listing by a final state
 *         (`jobs list --status FAILED`) is a key condition, not a filter over every job, in the same
 *         newest-first order as every other listing, and a job's ECS events write neither. Open
 *         states are listed from GSI2.
 *   GSI7  jobs of a source by object key       KEY#<source> / <S3 key>
 *         written once with the job (jobs with an object key only), never updated: a key prefix
 *         (`jobs list --pipeline photos --prefix incoming/2026/`) is begins_with on it, in key order
 *         as S3 lists keys. The sort key is the bare key, not unique (GSI keys need not be): an S3 key
 *         takes up to 1,024 bytes, all a sort key holds, and nothing appended can then blur where a
 *         prefix ends.
 */
export const KEY = { pk: 'pk', sk: 'sk' } as const;
export const INDEX = {
  bySource: { name: 'GSI1', pk: 'GSI1PK', sk: 'GSI1SK' },
  open: { name: 'GSI2', pk: 'GSI2PK', sk: 'GSI2SK' },
  all: { name: 'GSI3', pk: 'GSI3PK', sk: 'GSI3SK' },
  byObject: { name: 'GSI4', pk: 'GSI4PK', sk: 'GSI4SK' },
  finished: { name: 'GSI5', pk: 'GSI5PK', sk: 'GSI5SK' },
  finishedOfSource: { name: 'GSI6', pk: 'GSI6PK', sk: 'GSI6SK' },
  byKey: { name: 'GSI7', pk: 'GSI7PK', sk: 'GSI7SK' },
} as const;
/** Epoch seconds after which DynamoDB TTL deletes the item; reads filter it out before that. */
export const TTL_ATTRIBUTE = 'expiresAt';

export const ALL_JOBS_PARTITION = 'JOBS';

export const keys = {
  job: (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' }),
  slots: (source: string) => ({ pk: `PIPE#${source}`, sk: 'SLOTS' }),
  lease: (name: string) => ({ pk: `LEASE#${name}`, sk: 'LEASE' }),
  serviceState: (service: string) => ({ pk: `SVC#${service}`, sk: 'STATE' }),
  schedule: (name: string) => ({ pk: `SCHED#${name}`, sk: 'STATE' }),
  decision: (service: string, at: string, version: number) => ({
    pk: `SVC#${service}`,
    sk: `SCALE#${at}#${version}`,
  }),
  bySource: (source: string) => `SRC#${source}`,
  open: (source: string) => `OPEN#${source}`,
  waiting: (dueAt: string, jobId: string) => `W#${dueAt}#${jobId}`,
  active: (jobId: string) => `A#${jobId}`,
  created: (createdAt: string, jobId: string) => `${createdAt}#${jobId}`,
  finished: (state: string) => `END#${state}`,
  finishedOfSource: (source: string, state: string) => `END#${source}#${state}`,
  byKey: (source: string) => `KEY#${source}`,
  byObject: (source: string, object: { bucket: string; key: string; etag: string }) =>
    `OBJ#${source}#${objectDigest(object)}`,
};

/** Keys run to 1,024 bytes: the index holds a digest of the object, length-prefixed part by part. */
function objectDigest(object: { bucket: string; key: string; etag: string }): string {
  const hash = createHash('sha256');
  for (const part of [object.bucket, object.key, object.etag])
    hash.update(`${Buffer.byteLength(part)}:${part};`);
  return hash.digest('hex').slice(0, 40);
}

/** The table's key schema and indexes, shared by infra, the local runtime and the tests. */
export function ledgerTableDefinition(tableName: string): CreateTableCommandInput {
  const index = (i: (typeof INDEX)[keyof typeof INDEX]) => ({
    IndexName: i.name,
    KeySchema: [
      { AttributeName: i.pk, KeyType: 'HASH' as const },
      { AttributeName: i.sk, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'KEYS_ONLY' as const },
  });
  const stringAttributes = [KEY.pk, KEY.sk, ...Object.values(INDEX).flatMap((i) => [i.pk, i.sk])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: stringAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: KEY.pk, KeyType: 'HASH' },
      { AttributeName: KEY.sk, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: Object.values(INDEX).map(index),
    // Every write's before and after: the job-events function turns them into job events.
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

/**
 * Creates the ledger table if it is missing and turns TTL on (the local runtime and tests; on AWS
 * infra declares it). Returns true when it created the table.
 */
export async function ensureLedgerTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    await addMissingIndexes(client, tableName, Table?.GlobalSecondaryIndexes ?? []);
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(new CreateTableCommand(ledgerTableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return false;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
  return true;
}

/**
 * A table made by an older Stevedore (a local state dir kept across upgrades) lacks the indexes added
 * since: each is created in place, one at a time as DynamoDB requires, and waited for.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  tableName: string,
  existing: readonly { IndexName?: string | undefined }[],
): Promise<void> {
  const definition = ledgerTableDefinition(tableName);
  const have = new Set(existing.map((index) => index.IndexName));
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    if (have.has(index.IndexName)) continue;
    const attributes = new Set(index.KeySchema?.map((k) => k.AttributeName));
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: definition.AttributeDefinitions?.filter((a) => attributes.has(a.AttributeName)),
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    await waitForIndex(client, tableName, index.IndexName ?? '');
  }
}

async function waitForIndex(client: DynamoDBClient, tableName: string, indexName: string): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const index = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === indexName);
    if (index?.IndexStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`index ${indexName} of ${tableName} did not become ACTIVE`);
}
