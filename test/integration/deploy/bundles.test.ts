import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureLedgerTable, ledgerStores } from '@stevedore/aws';
import { parseConfig, resourceNames } from '@stevedore/core/config';
import { BUNDLE_BUDGET_BYTES, type BuiltFunction, buildFunctions } from '@stevedore/deploy';
import { LOCAL_NETWORK, type LocalEcs, startLocalEcs } from '@stevedore/local';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import exampleConfig from '../../../stevedore.config';
import { eventually } from '../../support/dev-process';
import { LOCAL_CREDENTIALS, localDynamoClient } from '../../support/dynamodb';
import { loadEvent } from '../../support/fixtures';

/*
 * The deployable artifacts themselves: each function's esbuild bundle, loaded as Lambda loads it and
 * configured only through the environment infra sets, against DynamoDB Local and the local ECS.
 */

const ROOT = join(import.meta.dirname, '..', '..', '..');
const STAGE = 'bundle';
const config = parseConfig(exampleConfig);
const names = resourceNames(config.app, STAGE);

type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

let built: BuiltFunction[];
let ecs: LocalEcs;
const events: Record<string, unknown>[] = [];
const saved = { ...process.env };

async function handlerOf(name: string): Promise<LambdaHandler> {
  const bundle = built.find((b) => b.handler === name);
  if (!bundle) throw new Error(`no bundle for ${name}`);
  return ((await import(pathToFileURL(bundle.file).href)) as { handler: LambdaHandler }).handler;
}

const context = { functionName: 'test', awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 };

beforeAll(async () => {
  built = await buildFunctions({ root: ROOT, outDir: mkdtempSync(join(tmpdir(), 'bundles-')) });
  const client = localDynamoClient();
  await ensureLedgerTable(client, names.table);
  client.destroy();
  ecs = await startLocalEcs({
    region: 'us-east-1',
    accountId: '000000000000',
    cluster: names.cluster,
    taskDefinitions: Object.entries(config.tasks).map(([task, t]) => ({
      family: names.taskFamily(task),
      containerName: t.containerName,
      image: 'bundle-test',
      cpu: t.cpu,
      memory: t.memory,
      architecture: t.architecture,
      env: {},
      stopTimeout: 2,
      command: [process.execPath, '-e', 'setTimeout(() => process.exit(0), 100)'],
    })),
    logDir: mkdtempSync(join(tmpdir(), 'bundle-logs-')),
    baseEnv: {},
    onTaskStateChange: (event) => events.push(event),
    stepDelayMs: 10,
    throttling: false,
  });
  // Exactly what a deployed function has: its settings in the environment, nothing passed in.
  Object.assign(process.env, {
    STEVEDORE_STAGE: STAGE,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_ENDPOINT_URL_ECS: ecs.endpoint,
    // infra/functions.ts sets the network the tasks run in; ECS refuses an awsvpc RunTask without one.
    STEVEDORE_SUBNETS: LOCAL_NETWORK.subnets.join(','),
    STEVEDORE_SECURITY_GROUPS: LOCAL_NETWORK.securityGroups.join(','),
  });
}, 120_000);

afterAll(async () => {
  process.env = saved;
  await ecs?.close();
});

describe('the Lambda bundles', () => {
  it('each stays under the 400 KB budget', () => {
    expect(built.map((b) => b.handler).sort()).toEqual([
      'job-events',
      'object-created',
      'queue-alarm',
      'scale-tick',
      'schedule-fired',
      'sweeper',
      'task-state-change',
    ]);
    for (const bundle of built) expect(bundle.bytes).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });

  it('run a job from an S3 event to SUCCEEDED, configured by the environment alone', async () => {
    const event = loadEvent('s3', 'object-created');
    Object.assign((event.detail as { bucket: { name: string } }).bucket, { name: 'stevedore-inbox' });
    Object.assign((event.detail as { object: { key: string } }).object, {
      key: 'incoming/from-the-bundle.csv',
    });
    const objectCreated = await handlerOf('object-created');
    const taskStateChange = await handlerOf('task-state-change');
    const sweeper = await handlerOf('sweeper');
    const { jobs } = ledgerStores({ tableName: names.table, client: localDynamoClient() });

    await objectCreated(event, context);
    const [job] = (await jobs.listJobs({ source: 'summaries' })).jobs;
    expect(job?.state).toBe('STARTING');
    expect(job?.input.S3_KEY).toBe('incoming/from-the-bundle.csv');

    const stopped = await eventually(
      async () => events.find((e) => (e.detail as { lastStatus: string }).lastStatus === 'STOPPED'),
      20_000,
      'the task to stop',
    );
    for (const e of events.filter((x) => x !== stopped)) await taskStateChange(e, context);
    await taskStateChange(stopped, context);
    await sweeper(loadEvent('events', 'scheduled-event'), context);

    const finished = await jobs.getJob(job?.jobId ?? '');
    expect(finished?.state).toBe('SUCCEEDED');
    expect(finished?.attempts['1']?.containers[0]?.exitCode).toBe(0);
  });
});
