import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureLedgerTable } from '@stevedore/aws';
import { inject } from 'vitest';

/** Credentials DynamoDB Local accepts; nothing here ever reaches AWS. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A client for the test run's DynamoDB Local. */
export function localDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
}

/** A fresh ledger table with a unique name. */
export async function freshLedgerTable(client: DynamoDBClient): Promise<string> {
  const name = `ledger-${randomUUID().slice(0, 8)}`;
  await ensureLedgerTable(client, name);
  return name;
}
