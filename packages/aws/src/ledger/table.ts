import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
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
 */
export const KEY = { pk: 'pk', sk: 'sk' } as const;
export const INDEX = {
  bySource: { name: 'GSI1', pk: 'GSI1PK', sk: 'GSI1SK' },
  open: { name: 'GSI2', pk: 'GSI2PK', sk: 'GSI2SK' },
  all: { name: 'GSI3', pk: 'GSI3PK', sk: 'GSI3SK' },
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
};

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
  };
}

/**
 * Creates the ledger table if it is missing and turns TTL on (the local runtime and tests; on AWS
 * infra declares it). Returns true when it created the table.
 */
export async function ensureLedgerTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
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
