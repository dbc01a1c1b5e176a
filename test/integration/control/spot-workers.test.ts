import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { createDeps, EcsScaler } from '@stevedore/aws';
import { scaleWorker } from '@stevedore/control';
import { parseConfig } from '@stevedore/core/config';
import type { ServiceState } from '@stevedore/core/ports';
import { isAlive, type LocalEcs, startLocalEcs } from '@stevedore/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshLedgerTable, LOCAL_CREDENTIALS, localDynamoClient } from '../../support/dynamodb';
import { NAMES, recordingLogger, TestQueues, testClock } from '../../support/scaling-world';

/*
 * A worker service on Fargate Spot whose Spot tasks cannot be placed: the local ECS endpoint refuses
 * every FARGATE_SPOT placement for capacity, as ECS reports it in the service's events. The scaler
 * (on a real ledger in DynamoDB Local, over the endpoint's DescribeServices and UpdateService) must
 * raise the service's on-demand base, so the desired count is reached on FARGATE, and record why.
 */

const TASK = { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/scaletest:1', cpu: 256, memory: 512 };
const CONFIG = parseConfig({
  app: 'scaletest',
  tasks: { crunch: TASK },
  workers: {
    cruncher: {
      queue: 'crunch-requests',
      task: 'crunch',
      max: 3,
      messagesPerTask: 1,
      activation: { observations: 1 },
      spotPercent: 100,
      spotFallbackSeconds: 2,
    },
  },
});
const SERVICE = NAMES.service('cruncher');
const REGION = 'us-east-1';

let dynamo: DynamoDBClient;
let ecs: LocalEcs;
let client: ECSClient;
let logDir: string;
beforeAll(async () => {
  dynamo = localDynamoClient();
  logDir = mkdtempSync(join(tmpdir(), 'stevedore-spot-workers-'));
  ecs = await startLocalEcs({
    region: REGION,
    accountId: '111122223333',
    cluster: NAMES.cluster,
    taskDefinitions: [
      {
        family: NAMES.taskFamily('crunch'),
        containerName: 'main',
        image: TASK.image,
        cpu: 256,
        memory: 512,
        architecture: 'x86_64',
        env: {},
        stopTimeout: 2,
        command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
      },
    ],
    services: [
      {
        name: SERVICE,
        taskDefinition: NAMES.taskFamily('crunch'),
        desiredCount: 0,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', base: 0, weight: 100 }],
      },
    ],
    logDir,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    onTaskStateChange: () => {},
    stepDelayMs: 10,
    throttling: false,
    spotCapacityFailureRate: 1,
  });
  client = new ECSClient({ endpoint: ecs.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  const pids = ecs.tasks().flatMap((task) => task.pid ?? []);
  client.destroy();
  await ecs.close();
  dynamo.destroy();
  rmSync(logDir, { recursive: true, force: true });
  expect(pids.filter(isAlive)).toEqual([]);
});

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a worker whose Spot tasks cannot be placed', () => {
  it('reaches its desired count on on-demand: the scaler raises the base and records why', async () => {
    const queues = new TestQueues();
    const clock = testClock();
    const scaler = new EcsScaler({ cluster: NAMES.cluster, client });
    const deps = createDeps({
      config: CONFIG,
      names: NAMES,
      table: await freshLedgerTable(dynamo),
      clients: { dynamodb: dynamo, ecs: client },
      clock,
      logger: recordingLogger(),
      workers: { gauge: queues, scaler },
    });
    const worker = deps.app.workers[0];
    if (!worker) throw new Error('no worker in the test config');
    queues.set('crunch-requests', { visible: 3, inFlight: 0, delayed: 0 });

    // The backlog wants 3 tasks; Spot places none of them.
    expect(await scaleWorker(deps, worker, 'tick')).toMatchObject({ kind: 'activate', desired: 3 });
    const short: ServiceState = await until('a placement failure', async () => {
      const state = await scaler.describeService(SERVICE);
      return state?.lastPlacementFailureAt ? state : undefined;
    });
    expect(short).toMatchObject({ desired: 3, running: 0, pending: 0, onDemandBase: 0 });
    // Seen short once; still short past spotFallbackSeconds: the base goes up by the missing tasks.
    await scaleWorker(deps, worker, 'tick');
    clock.advance(3);
    await scaleWorker(deps, worker, 'tick');

    const running = await until('3 running tasks', async () => {
      const state = await scaler.describeService(SERVICE);
      return state && state.running === 3 ? state : undefined;
    });
    expect(running).toMatchObject({ desired: 3, running: 3, onDemandBase: 3 });
    const { tasks = [] } = await client.send(
      new DescribeTasksCommand({
        cluster: NAMES.cluster,
        tasks: (await scaler.serviceTasks(SERVICE)).slice(0, 3),
      }),
    );
    expect(tasks.map((task) => task.capacityProviderName)).toEqual(['FARGATE', 'FARGATE', 'FARGATE']);
    const { decisions } = await deps.scaling.decisions(SERVICE);
    const fallback = decisions.find((d) => d.kind === 'spot-fallback');
    expect(fallback).toMatchObject({
      desired: 3,
      change: false,
      onDemandBase: { previous: 0, next: 3 },
    });
    expect(fallback?.reason).toMatch(/^Spot could not place 3 of 3 tasks for \d+ s: on-demand base 0 -> 3$/);
  }, 240_000);
});
