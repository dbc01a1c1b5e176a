import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTaskDefinitionCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { isAlive } from '@stevedore/local';
import { describe, expect, it } from 'vitest';
import { type DevProcess, eventually, processesUsing, runCli, startDev } from '../support/dev-process';

const CONFIG = 'test/e2e/configs/jobs.config.ts';

/** The start steps `stevedore dev` printed as they ended: `<name> ok` or `<name> failed`. */
function startSteps(output: string): string[] {
  return [...output.matchAll(/^ {2}(\S.*?) +(failed after )?[\d.]+ s$/gm)].map(
    ([, name, failed]) => `${name} ${failed ? 'failed' : 'ok'}`,
  );
}

/** A server listening on 127.0.0.1:port, or undefined if that port is taken. */
async function listenOn(port: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Takes one port of three in a row (`stevedore dev --port` is S3's; ECS and DynamoDB Local take the
 * next two), the one at `offset`, with the other two free. Below the kernel's ephemeral range
 * (32768 and up on Linux), so no process the parallel tests start can be given one of them meanwhile.
 */
async function blockPortOfFreeTrio(offset: number): Promise<{ blocker: Server; port: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    const trio = await Promise.all([0, 1, 2].map((i) => listenOn(base + i)));
    const blocker = trio[offset];
    const free = trio.every((server) => server !== undefined);
    await Promise.all(
      trio.map(
        (server) =>
          server && (server !== blocker || !free) && new Promise((resolve) => server.close(resolve)),
      ),
    );
    if (free && blocker) return { blocker, port: base + offset };
  }
  throw new Error('found no three free ports in a row between 20000 and 30000');
}

describe('stevedore dev', () => {
  it('serves every endpoint over the AWS protocols, keeps the ledger across restarts, and leaves nothing behind on Ctrl-C', async () => {
    let dev: DevProcess | undefined = await startDev({ config: CONFIG });
    try {
      const e = dev.endpoints;
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining([
          'region',
          's3',
          'sqs',
          'dynamodb',
          'ecs',
          'table',
          'cluster',
          'buckets',
          'queues',
          'pipelines',
        ]),
      );
      for (const url of [e.s3, e.sqs, e.dynamodb, e.ecs]) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(e.buckets).toEqual(['e2e-inbox']);
      expect(e.pipelines).toContainEqual({ name: 'echo', bucket: 'e2e-inbox', prefix: 'echo/', suffix: '' });

      // Every endpoint answers the real SDK.
      const buckets = await dev.s3.send(new ListBucketsCommand({}));
      expect(buckets.Buckets?.map((b) => b.Name)).toContain('e2e-inbox');
      const dynamo = new DynamoDBClient({
        endpoint: e.dynamodb,
        region: e.region,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      expect((await dynamo.send(new DescribeTableCommand({ TableName: e.table }))).Table?.TableStatus).toBe(
        'ACTIVE',
      );
      dynamo.destroy();
      const definition = await dev.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: 'e2e-local-echo' }),
      );
      expect(definition.taskDefinition?.family).toBe('e2e-local-echo');

      // A job runs through the handlers; a hanging task is running when we press Ctrl-C.
      await dev.s3.send(new PutObjectCommand({ Bucket: 'e2e-inbox', Key: 'echo/first.txt', Body: 'hello' }));
      const done = await eventually(
        async () =>
          (await dev?.ledger.jobs.listJobs({ source: 'echo' }))?.jobs.find((j) => j.state === 'SUCCEEDED'),
        60_000,
        'the echo job to succeed',
      );
      await dev.s3.send(new PutObjectCommand({ Bucket: 'e2e-inbox', Key: 'hang/forever.txt', Body: 'x' }));
      const hangJob = await eventually(
        async () =>
          (await dev?.ledger.jobs.listJobs({ source: 'hang' }))?.jobs.find((j) => j.state === 'RUNNING'),
        60_000,
        'the hanging job to run',
      );
      const pid = await eventually(
        async () => {
          const object = await dev?.s3.send(
            new GetObjectCommand({ Bucket: 'e2e-inbox', Key: `pids/${hangJob.jobId}/1` }),
          );
          return Number(await object?.Body?.transformToString());
        },
        30_000,
        'the hanging task to record its pid',
      );
      expect(isAlive(pid)).toBe(true);
      expect(processesUsing(dev.stateDir).length).toBeGreaterThan(0);

      const code = await dev.stop();

      expect(code).toBe(0);
      expect(isAlive(pid)).toBe(false);
      expect(processesUsing(dev.stateDir)).toEqual([]);
      expect(existsSync(join(dev.stateDir, 'endpoints.json'))).toBe(false);
      expect(existsSync(join(dev.stateDir, 'logs', `${done.taskArn?.split('/').pop()}.log`))).toBe(true);
      expect(startSteps(dev.output())).toEqual([
        'DynamoDB Local ok',
        'S3/SQS ok',
        'ECS ok',
        'tables ok',
        'handlers ok',
        'job events ok',
        'timers ok',
        'endpoints.json ok',
      ]);

      // Same state dir again: the ledger is still there.
      const stateDir = dev.stateDir;
      dev = await startDev({ config: CONFIG, stateDir });
      const again = await dev.ledger.jobs.getJob(done.jobId);
      expect(again?.state).toBe('SUCCEEDED');
      const tasks = await dev.ecs.send(new ListTasksCommand({ cluster: dev.endpoints.cluster }));
      expect(tasks.taskArns).toEqual([]);
    } finally {
      await dev?.stop();
    }
  }, 180_000);

  // --port is S3's; ECS and DynamoDB Local take the next two.
  it.each([
    ['S3', 0, ['DynamoDB Local ok', 'S3/SQS failed']],
    ['DynamoDB Local', 2, ['DynamoDB Local failed']],
  ])(
    'ends with one clear line when a port is taken (%s)',
    async (_what, offset, steps) => {
      const { blocker, port } = await blockPortOfFreeTrio(offset);
      try {
        const result = await runCli([
          'dev',
          '--config',
          CONFIG,
          '--state-dir',
          mkdtempSync(join(tmpdir(), 'port-')),
          '--port',
          String(port - offset),
        ]);
        expect(result.code).toBe(1);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(new RegExp(`${port}.*in use|in use.*${port}`));
        expect(startSteps(result.stdout)).toEqual(steps);
      } finally {
        blocker.close();
      }
    },
    60_000,
  );

  it('ends with one clear line when Java is missing', async () => {
    // A PATH with node but no java.
    const bin = mkdtempSync(join(tmpdir(), 'nojava-'));
    mkdirSync(join(bin, 'bin'));
    symlinkSync(process.execPath, join(bin, 'bin', 'node'));
    const result = await runCli(
      ['dev', '--config', CONFIG, '--state-dir', mkdtempSync(join(tmpdir(), 'java-')), '--port', '0'],
      {
        PATH: join(bin, 'bin'),
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/Java 17/);
    expect(startSteps(result.stdout)).toEqual(['DynamoDB Local failed']);
  }, 60_000);

  it('reports a bad config with paths and reasons, not a stack trace', async () => {
    const started = await runCli(['dev', '--config', 'test/e2e/configs/bad.config.ts', '--port', '0']);
    const validated = await runCli(['validate', '--config', 'test/e2e/configs/bad.config.ts']);
    const good = await runCli(['validate', '--config', CONFIG]);

    expect(started.code).toBe(1);
    expect(started.stderr).not.toMatch(/\n\s+at /);
    expect(validated.code).toBe(1);
    expect(validated.stdout).toContain(
      'pipelines.thumbnails.retry.attempts: expected an integer from 1 to 10, got 0',
    );
    expect(validated.stdout).toContain('pipeliness: unknown key');
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/valid/);
  }, 60_000);
});
