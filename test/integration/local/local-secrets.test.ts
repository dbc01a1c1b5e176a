import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import {
  LOCAL_NETWORK_CONFIGURATION,
  type LocalEcs,
  type LocalTaskDefinition,
  startLocalEcs,
} from '@stevedore/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Task secrets on the local ECS endpoint, through the real @aws-sdk/client-ecs: a definition's
 * secrets are resolved from the secrets file right before its container starts, reach the process's
 * environment and nothing else, and one that cannot be resolved stops the task as ECS stops it
 * (TaskFailedToStart, ResourceInitializationError) with no process started.
 */

type TaskEvent = { detail: Record<string, unknown> & { taskArn: string; lastStatus: string } };

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const CLUSTER = 'stevedore-local';
const DB = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf:password::';
const API = 'ssm:/prod/api-key';
const DB_VALUE = 'planted-db-value-5f1c9e';
const API_VALUE = 'planted-api-value-77d2a4';

/** Prints whether each secret arrived and its length (never the value), then exits 0. */
const REPORT_SECRETS = [
  process.execPath,
  '-e',
  `const v = (n) => process.env[n]; process.stdout.write(JSON.stringify({ db: v('DB_PASSWORD') === ${JSON.stringify(DB_VALUE)}, api: v('API_KEY') === ${JSON.stringify(API_VALUE)}, mode: v('MODE') }) + '\\n');`,
];

const definition = (family: string, secrets: Record<string, string>): LocalTaskDefinition => ({
  family,
  containerName: 'main',
  image: `${family}:latest`,
  cpu: 256,
  memory: 512,
  architecture: 'x86_64',
  env: { MODE: 'plain' },
  secrets,
  stopTimeout: 2,
  command: REPORT_SECRETS,
});

let ecs: LocalEcs;
let client: ECSClient;
let dir: string;
let secretsFile: string;
const events: TaskEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stevedore-secrets-'));
  secretsFile = join(dir, 'secrets.json');
  ecs = await startLocalEcs({
    region: REGION,
    accountId: ACCOUNT,
    cluster: CLUSTER,
    taskDefinitions: [
      definition('with-secrets', { DB_PASSWORD: DB, API_KEY: API }),
      definition('needs-missing', { DB_PASSWORD: DB, TOKEN: 'ssm:/prod/not-there' }),
    ],
    logDir: join(dir, 'logs'),
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    secretsFile,
    onTaskStateChange: (event) => events.push(event as TaskEvent),
    stepDelayMs: 10,
    throttling: false,
  });
  client = new ECSClient({
    endpoint: ecs.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await ecs.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(probe: () => T | undefined | false, label: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function runToStop(taskDefinition: string) {
  const output = await client.send(
    new RunTaskCommand({
      cluster: CLUSTER,
      taskDefinition,
      networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
    }),
  );
  const taskArn = output.tasks?.[0]?.taskArn ?? '';
  const stopped = await waitFor(
    () => events.find((e) => e.detail.taskArn === taskArn && e.detail.lastStatus === 'STOPPED'),
    `${taskDefinition} STOPPED`,
  );
  const described = await client.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }));
  return {
    taskArn,
    stopped,
    statuses: events.filter((e) => e.detail.taskArn === taskArn).map((e) => e.detail.lastStatus),
    // Everything the endpoint said about the task, as a client would see it on the wire.
    said: JSON.stringify([output, described, events.filter((e) => e.detail.taskArn === taskArn)]),
    view: ecs.tasks().find((t) => t.taskArn === taskArn),
  };
}

describe('local ECS task secrets', () => {
  it("resolves each reference as written from the secrets file into the container's environment only", async () => {
    writeFileSync(secretsFile, JSON.stringify({ [DB]: DB_VALUE, [API]: API_VALUE, unrelated: 'x' }));

    const run = await runToStop('with-secrets');

    expect(run.stopped.detail).toMatchObject({ stopCode: 'EssentialContainerExited' });
    expect(readFileSync(run.view?.logFile ?? '', 'utf8').trim()).toBe(
      JSON.stringify({ db: true, api: true, mode: 'plain' }),
    );
    for (const value of [DB_VALUE, API_VALUE]) expect(run.said).not.toContain(value);
  });

  it('describes the definition with its references, never their values', async () => {
    const described = await client.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'with-secrets' }),
    );
    expect(described.taskDefinition?.containerDefinitions?.[0]?.secrets).toEqual([
      { name: 'DB_PASSWORD', valueFrom: DB },
      { name: 'API_KEY', valueFrom: API },
    ]);
    expect(JSON.stringify(described)).not.toContain(DB_VALUE);
  });

  it('stops a task whose secret is missing as ECS does, naming the reference, with no process started', async () => {
    writeFileSync(secretsFile, JSON.stringify({ [DB]: DB_VALUE }));

    const run = await runToStop('needs-missing');

    expect(run.statuses).toEqual(['PROVISIONING', 'PENDING', 'STOPPED']);
    expect(run.stopped.detail).toMatchObject({ stopCode: 'TaskFailedToStart', desiredStatus: 'STOPPED' });
    const reason = String(run.stopped.detail.stoppedReason);
    expect(reason).toMatch(/^ResourceInitializationError: unable to pull secrets or registry auth: /);
    expect(reason).toContain('ssm:/prod/not-there (TOKEN)');
    expect(reason).not.toContain(DB);
    expect(run.view?.pid).toBeUndefined();
    expect(run.said).not.toContain(DB_VALUE);
  });

  it('reads the file afresh for each task: a secret added after a failure resolves on the next start', async () => {
    writeFileSync(secretsFile, JSON.stringify({ [DB]: DB_VALUE, 'ssm:/prod/not-there': API_VALUE }));

    const run = await runToStop('needs-missing');

    expect(run.stopped.detail).toMatchObject({ stopCode: 'EssentialContainerExited' });
  });

  it('fails the start when the file is missing or not JSON, without quoting the file', async () => {
    rmSync(secretsFile);
    const missing = await runToStop('with-secrets');
    expect(missing.stopped.detail.stopCode).toBe('TaskFailedToStart');
    expect(String(missing.stopped.detail.stoppedReason)).toContain(`no string value in ${secretsFile}`);

    writeFileSync(secretsFile, `{ "${DB}": "${DB_VALUE}", `);
    const malformed = await runToStop('with-secrets');
    expect(malformed.stopped.detail.stopCode).toBe('TaskFailedToStart');
    expect(String(malformed.stopped.detail.stoppedReason)).toBe(
      `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ${secretsFile} is not valid JSON`,
    );
    expect(malformed.said).not.toContain(DB_VALUE);
  });
});
