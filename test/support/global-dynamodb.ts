import { type RunningDynamoDbLocal, startDynamoDbLocal } from '@stevedore/local';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

let dynamo: RunningDynamoDbLocal | undefined;

/** One in-memory DynamoDB Local for the integration tests; each test file makes its own table. */
export async function setup(project: TestProject): Promise<void> {
  // Generous: on a machine shared by many runs the JVM can take well over 30 s to answer.
  dynamo = await startDynamoDbLocal({ startTimeoutMs: 180_000 });
  project.provide('dynamoEndpoint', dynamo.endpoint);
}

export async function teardown(): Promise<void> {
  await dynamo?.stop();
}
