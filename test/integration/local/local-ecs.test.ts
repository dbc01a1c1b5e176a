import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateClusterCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  GetTaskProtectionCommand,
  ListTasksCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
  StopTaskCommand,
  UpdateServiceCommand,
  UpdateTaskProtectionCommand,
} from '@aws-sdk/client-ecs';
import { TASK_STATUSES } from '@stevedore/core/job';
import {
  CAPACITY_UNAVAILABLE,
  EcsThrottle,
  isAlive,
  LOCAL_NETWORK_CONFIGURATION,
  LocalConfigError,
  type LocalEcs,
  type LocalEcsOptions,
  type LocalTaskDefinition,
  PortInUseError,
  startLocalEcs,
  TokenBucket,
} from '@stevedore/local';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/*
 * The local ECS endpoint through the real @aws-sdk/client-ecs. Containers are small node programs
 * (process.execPath -e ...): they print their environment, sleep, exit with a code, ignore SIGTERM
 * or call the agent endpoint, so every assertion is about a real process.
 */

type TaskEvent = {
  detail: Record<string, unknown> & { containers: Array<Record<string, unknown>> };
} & Record<string, unknown>;

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const CLUSTER = 'stevedore-local';
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
const node = (code: string) => [process.execPath, '-e', code];

const PROGRAMS = {
  /** Prints its environment as one JSON line, then exits with $EXIT_CODE after $LINGER_MS. */
  printEnv: node(
    `process.stdout.write(JSON.stringify(process.env) + '\\n'); setTimeout(() => process.exit(Number(process.env.EXIT_CODE ?? 0)), Number(process.env.LINGER_MS ?? 150));`,
  ),
  /** Runs until signalled (SIGTERM ends it: exit 143). */
  sleep: node(`process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`),
  /** Ignores SIGTERM: only SIGKILL ends it. */
  stubborn: node(
    `process.on('SIGTERM', () => process.stdout.write('ignored SIGTERM\\n')); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`,
  ),
  /** Protects itself through the agent endpoint, as a worker does when it takes a job. */
  selfProtect: node(
    `fetch(process.env.ECS_AGENT_URI + '/task-protection/v1/state', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ProtectionEnabled: true, ExpiresInMinutes: 1 }) })
      .then(async (r) => process.stdout.write('AGENT ' + r.status + ' ' + (await r.text()) + '\\n'))
      .catch((e) => process.stdout.write('AGENT-ERROR ' + e.message + '\\n'));
     setInterval(() => {}, 1000);`,
  ),
  /** Starts a grandchild in its own process group and sleeps. */
  withGrandchild: node(
    `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
     process.stdout.write('grandchild ' + c.pid + '\\n'); setInterval(() => {}, 1000);`,
  ),
  crash: node('process.exit(1)'),
} as const;

const definition = (family: string, overrides: Partial<LocalTaskDefinition> = {}): LocalTaskDefinition => ({
  family,
  containerName: 'main',
  image: `111122223333.dkr.ecr.us-east-1.amazonaws.com/${family}:latest`,
  cpu: 256,
  memory: 512,
  architecture: 'x86_64',
  env: {},
  stopTimeout: 5,
  ...overrides,
});

const TASK_DEFINITIONS: LocalTaskDefinition[] = [
  definition('printer', {
    command: PROGRAMS.printEnv,
    env: { MODE: 'from-task-definition', FROM_TD: 'yes' },
  }),
  definition('sleeper', { command: PROGRAMS.sleep }),
  definition('stubborn', { command: PROGRAMS.stubborn, stopTimeout: 2 }),
  definition('missing-binary', { command: ['/nonexistent/stevedore-no-such-binary'] }),
  definition('no-command'),
  definition('worker', { command: PROGRAMS.sleep, stopTimeout: 1 }),
  definition('guard', { command: PROGRAMS.selfProtect, stopTimeout: 1 }),
];

interface Harness {
  ecs: LocalEcs;
  client: ECSClient;
  events: TaskEvent[];
  logDir: string;
}

const harnesses: Harness[] = [];

async function startHarness(options: Partial<LocalEcsOptions> = {}): Promise<Harness> {
  const events: TaskEvent[] = [];
  const logDir = mkdtempSync(join(tmpdir(), 'stevedore-ecs-'));
  const ecs = await startLocalEcs({
    region: REGION,
    accountId: ACCOUNT,
    cluster: CLUSTER,
    taskDefinitions: TASK_DEFINITIONS,
    logDir,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', FROM_BASE: 'base' },
    onTaskStateChange: (event) => events.push(event as TaskEvent),
    stepDelayMs: 10,
    ...options,
  });
  const client = new ECSClient({
    endpoint: ecs.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const harness = { ecs, client, events, logDir };
  harnesses.push(harness);
  return harness;
}

/** Closes harnesses and checks that every process their tasks ran is gone. */
async function closeAndCheck(closing: Harness[]): Promise<void> {
  const pids = closing.flatMap((h) => h.ecs.tasks().flatMap((t) => (t.pid ? [t.pid] : [])));
  await Promise.all(
    closing.map((h) => {
      h.client.destroy();
      return h.ecs.close();
    }),
  );
  for (const h of closing) rmSync(h.logDir, { recursive: true, force: true });
  expect(pids.filter(isAlive)).toEqual([]);
}

/** Polls until `probe` returns a value (not undefined/false). */
async function waitFor<T>(probe: () => T | undefined | false, label: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const eventsOf = (h: Harness, taskArn: string) => h.events.filter((e) => e.detail.taskArn === taskArn);
const statusesOf = (h: Harness, taskArn: string) => eventsOf(h, taskArn).map((e) => e.detail.lastStatus);
const eventWith = (h: Harness, taskArn: string, lastStatus: string) =>
  eventsOf(h, taskArn).find((e) => e.detail.lastStatus === lastStatus);
const viewOf = (h: Harness, taskArn: string) => h.ecs.tasks().find((t) => t.taskArn === taskArn);
const logOf = (h: Harness, taskArn: string) => {
  const view = viewOf(h, taskArn);
  try {
    return view ? readFileSync(view.logFile, 'utf8') : '';
  } catch {
    return '';
  }
};
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number }; resourceIds?: string[] },
  );

async function runOne(h: Harness, input: Omit<RunTaskCommandInput, 'cluster'>): Promise<string> {
  const output = await h.client.send(
    new RunTaskCommand({ networkConfiguration: LOCAL_NETWORK_CONFIGURATION, cluster: CLUSTER, ...input }),
  );
  const arn = output.tasks?.[0]?.taskArn;
  if (!arn) throw new Error(`RunTask started nothing: ${JSON.stringify(output.failures)}`);
  return arn;
}

afterAll(() => closeAndCheck(harnesses.splice(0)));

describe('local ECS endpoint, tasks', () => {
  let h: Harness;
  beforeAll(async () => {
    process.env.STEVEDORE_MUST_NOT_LEAK = 'leaked';
    h = await startHarness({ throttling: false });
  });

  it('answers as ECS does: awsvpc needs a network, no cluster means `default`, a Task has no updatedAt', async () => {
    const raw = async (action: string, body: Record<string, unknown>) => {
      const response = await fetch(h.ecs.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `AmazonEC2ContainerServiceV20141113.${action}`,
        },
        body: JSON.stringify(body),
      });
      return (await response.json()) as Record<string, unknown> & { tasks?: Record<string, unknown>[] };
    };

    const noNetwork = await errorOf(
      h.client.send(
        new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'printer', startedBy: 'no-network' }),
      ),
    );
    const noSubnets = await errorOf(
      h.client.send(
        new RunTaskCommand({
          cluster: CLUSTER,
          taskDefinition: 'printer',
          networkConfiguration: { awsvpcConfiguration: { subnets: [] } },
        }),
      ),
    );
    const noCluster = await errorOf(h.client.send(new ListTasksCommand({ startedBy: 'job-lifecycle' })));
    const ran = await raw('RunTask', {
      cluster: CLUSTER,
      taskDefinition: 'printer',
      startedBy: 'job-shapes',
      networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
    });
    const taskArn = String(ran.tasks?.[0]?.taskArn);
    const described = await raw('DescribeTasks', { cluster: CLUSTER, tasks: [taskArn] });
    const event = await waitFor(() => eventWith(h, taskArn, 'PROVISIONING'), 'PROVISIONING');

    expect(noNetwork).toMatchObject({
      name: 'InvalidParameterException',
      message: "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    });
    expect(noSubnets).toMatchObject({
      name: 'InvalidParameterException',
      message: 'subnets can not be empty.',
    });
    expect(h.ecs.tasks().filter((t) => t.startedBy === 'no-network')).toEqual([]);
    expect(noCluster).toMatchObject({ name: 'ClusterNotFoundException', message: 'Cluster not found.' });
    expect(ran.tasks?.[0]).toMatchObject({ taskArn, version: 1 });
    expect(ran.tasks?.[0]).not.toHaveProperty('updatedAt');
    expect(described.tasks?.[0]).toMatchObject({ taskArn });
    expect(described.tasks?.[0]).not.toHaveProperty('updatedAt');
    expect(event.detail.updatedAt).toEqual(expect.any(String));
  });

  it('walks the Fargate lifecycle with one event per step, and DescribeTasks agrees', async () => {
    const output = await h.client.send(
      new RunTaskCommand({
        networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
        cluster: CLUSTER_ARN,
        taskDefinition: 'printer',
        startedBy: 'job-lifecycle',
        overrides: {
          containerOverrides: [{ name: 'main', environment: [{ name: 'EXIT_CODE', value: '3' }] }],
        },
      }),
    );
    const started = output.tasks?.[0];
    const taskArn = started?.taskArn ?? '';

    await waitFor(() => eventWith(h, taskArn, 'STOPPED'), 'STOPPED');

    expect(output.failures).toEqual([]);
    expect(started).toMatchObject({ lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', version: 1 });
    expect(taskArn).toMatch(/^arn:aws:ecs:us-east-1:111122223333:task\/stevedore-local\/[0-9a-f]{32}$/);
    const events = eventsOf(h, taskArn);
    expect(events.map((e) => e.detail.lastStatus)).toEqual([...TASK_STATUSES]);
    expect(events.map((e) => e.detail.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const event of events) {
      expect(event).toMatchObject({
        version: '0',
        'detail-type': 'ECS Task State Change',
        source: 'aws.ecs',
        account: ACCOUNT,
        region: REGION,
        resources: [taskArn],
      });
      expect(event.detail).toMatchObject({
        clusterArn: CLUSTER_ARN,
        taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/printer:1`,
        group: 'family:printer',
        startedBy: 'job-lifecycle',
        launchType: 'FARGATE',
        capacityProviderName: 'FARGATE',
        cpu: '256',
        memory: '512',
        platformVersion: '1.4.0',
        platformFamily: 'Linux',
      });
    }
    const [, , , running, deactivating, , , stopped] = events;
    expect(running?.detail).toMatchObject({ desiredStatus: 'RUNNING', connectivity: 'CONNECTED' });
    expect(running?.detail.stopCode).toBeUndefined();
    expect(running?.detail.containers[0]).toMatchObject({ name: 'main', lastStatus: 'RUNNING' });
    for (const event of events.slice(4)) {
      expect(event.detail).toMatchObject({
        desiredStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
      });
      expect(event.detail.containers[0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 3 });
    }
    expect(deactivating?.detail.executionStoppedAt).toEqual(expect.any(String));
    expect(stopped?.detail.stoppedAt).toEqual(expect.any(String));

    const described = await h.client.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }));
    const task = described.tasks?.[0];
    expect(task).toMatchObject({ lastStatus: 'STOPPED', version: 8, stopCode: 'EssentialContainerExited' });
    expect(task?.containers?.[0]?.exitCode).toBe(3);
    expect(task?.createdAt?.toISOString()).toBe(events[0]?.detail.createdAt);
    expect(task?.startedAt?.toISOString()).toBe(running?.detail.startedAt);
    expect(task?.stoppedAt?.toISOString()).toBe(stopped?.detail.stoppedAt);
  });

  it('gives the process the override environment byte for byte, without a shell', async () => {
    const tricky = `it's "quoted" $(echo pwned) \`id\` ; | & > /tmp/x\nsecond line\t${'ü'} $HOME`;
    const overrides = {
      containerOverrides: [
        {
          name: 'main',
          environment: [
            { name: 'TRICKY', value: tricky },
            { name: 'MODE', value: 'from-override' },
          ],
        },
      ],
    };

    const taskArn = await runOne(h, { taskDefinition: 'printer', overrides });
    const log = await waitFor(() => logOf(h, taskArn).split('\n')[0] || undefined, 'the printed environment');
    await waitFor(() => eventWith(h, taskArn, 'STOPPED'), 'STOPPED');

    const env = JSON.parse(log) as Record<string, string>;
    const taskId = taskArn.split('/').pop();
    expect(env.TRICKY).toBe(tricky);
    expect(env.MODE).toBe('from-override');
    expect(env.FROM_TD).toBe('yes');
    expect(env.FROM_BASE).toBe('base');
    expect(env.STEVEDORE_MUST_NOT_LEAK).toBeUndefined();
    expect(env.ECS_AGENT_URI).toBe(`${h.ecs.endpoint}/api/${taskId}`);
    expect(env.ECS_CONTAINER_METADATA_URI_V4).toBe(`${h.ecs.endpoint}/v4/${taskId}`);
    expect(env.AWS_REGION).toBe(REGION);
    for (const event of eventsOf(h, taskArn)) expect(event.detail.overrides).toEqual(overrides);
  });

  it('returns the same tasks for a repeated clientToken and refuses it with other parameters', async () => {
    const input = {
      taskDefinition: 'printer',
      startedBy: 'job-idempotent',
      clientToken: 'job-idempotent:1',
      overrides: { containerOverrides: [{ name: 'main', environment: [{ name: 'A', value: '1' }] }] },
    };

    const first = await h.client.send(
      new RunTaskCommand({ networkConfiguration: LOCAL_NETWORK_CONFIGURATION, cluster: CLUSTER, ...input }),
    );
    const second = await h.client.send(
      new RunTaskCommand({ networkConfiguration: LOCAL_NETWORK_CONFIGURATION, cluster: CLUSTER, ...input }),
    );
    const conflict = await errorOf(
      h.client.send(
        new RunTaskCommand({
          networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
          cluster: CLUSTER,
          ...input,
          overrides: { containerOverrides: [{ name: 'main', environment: [{ name: 'A', value: '2' }] }] },
        }),
      ),
    );
    const listed = await h.client.send(
      new ListTasksCommand({ cluster: CLUSTER, startedBy: 'job-idempotent', desiredStatus: 'RUNNING' }),
    );
    const stopped = await h.client.send(
      new ListTasksCommand({ cluster: CLUSTER, startedBy: 'job-idempotent', desiredStatus: 'STOPPED' }),
    );

    const { $metadata: _a, ...firstBody } = first;
    const { $metadata: _b, ...secondBody } = second;
    expect(secondBody).toEqual(firstBody);
    expect(first.tasks).toHaveLength(1);
    expect([...(listed.taskArns ?? []), ...(stopped.taskArns ?? [])]).toEqual([first.tasks?.[0]?.taskArn]);
    expect(conflict?.name).toBe('ConflictException');
    expect(conflict?.resourceIds).toEqual([first.tasks?.[0]?.taskArn]);
  });

  it('starts count tasks in one call, and validates RunTask as ECS does', async () => {
    const output = await h.client.send(
      new RunTaskCommand({
        networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
        cluster: CLUSTER,
        taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/printer:1`,
        count: 3,
        startedBy: 'job-count',
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        tags: [{ key: 'stevedore:job', value: 'job-count' }],
      }),
    );
    const tooMany = await errorOf(
      h.client.send(
        new RunTaskCommand({
          cluster: CLUSTER,
          networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
          taskDefinition: 'printer',
          count: 11,
        }),
      ),
    );
    const badStartedBy = await errorOf(
      h.client.send(
        new RunTaskCommand({
          cluster: CLUSTER,
          networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
          taskDefinition: 'printer',
          startedBy: 'no spaces allowed',
        }),
      ),
    );
    const bigOverrides = await errorOf(
      h.client.send(
        new RunTaskCommand({
          networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
          cluster: CLUSTER,
          taskDefinition: 'printer',
          overrides: {
            containerOverrides: [{ name: 'main', environment: [{ name: 'BIG', value: 'x'.repeat(8200) }] }],
          },
        }),
      ),
    );
    const otherCluster = await errorOf(
      h.client.send(
        new RunTaskCommand({
          networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
          cluster: 'someone-else',
          taskDefinition: 'printer',
        }),
      ),
    );
    const unknownDefinition = await errorOf(
      h.client.send(
        new RunTaskCommand({
          cluster: CLUSTER,
          networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
          taskDefinition: 'printer:2',
        }),
      ),
    );
    const unsupported = await errorOf(h.client.send(new CreateClusterCommand({ clusterName: 'x' })));
    const described = await h.client.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'printer:1', include: ['TAGS'] }),
    );

    expect(output.tasks).toHaveLength(3);
    expect(new Set(output.tasks?.map((t) => t.taskArn)).size).toBe(3);
    for (const task of output.tasks ?? []) {
      expect(task).toMatchObject({ capacityProviderName: 'FARGATE_SPOT', startedBy: 'job-count' });
      expect(task.tags).toEqual([{ key: 'stevedore:job', value: 'job-count' }]);
    }
    expect(tooMany?.name).toBe('InvalidParameterException');
    expect(badStartedBy?.name).toBe('InvalidParameterException');
    expect(bigOverrides?.name).toBe('InvalidParameterException');
    expect(bigOverrides?.message).toBe('Container Overrides length must be at most 8192');
    expect(otherCluster?.name).toBe('ClusterNotFoundException');
    expect(unknownDefinition?.name).toBe('ClientException');
    expect(unsupported?.name).toBe('UnknownOperationException');
    expect(unsupported?.$metadata?.httpStatusCode).toBe(400);
    expect(described.taskDefinition).toMatchObject({
      family: 'printer',
      revision: 1,
      cpu: '256',
      memory: '512',
    });
    expect(described.tags).toEqual([]);
  });

  it('stops a task on StopTask: SIGTERM is honoured at once', async () => {
    const taskArn = await runOne(h, { taskDefinition: 'sleeper', startedBy: 'job-stop' });
    await waitFor(() => eventWith(h, taskArn, 'RUNNING'), 'RUNNING');
    const running = await h.client.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }));

    const stoppedAt = Date.now();
    const output = await h.client.send(
      new StopTaskCommand({ cluster: CLUSTER, task: taskArn, reason: 'job cancelled' }),
    );
    const stopEvent = eventsOf(h, taskArn)[4];
    const last = await waitFor(() => eventWith(h, taskArn, 'STOPPED'), 'STOPPED');

    expect(running.tasks?.[0]).toMatchObject({ lastStatus: 'RUNNING', version: 4 });
    expect(output.task).toMatchObject({
      lastStatus: 'RUNNING',
      desiredStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'job cancelled',
      version: 5,
    });
    expect(output.task?.stoppingAt).toBeInstanceOf(Date);
    expect(stopEvent?.detail).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'STOPPED', version: 5 });
    expect(statusesOf(h, taskArn)).toEqual([
      ...TASK_STATUSES.slice(0, 4),
      'RUNNING',
      ...TASK_STATUSES.slice(4),
    ]);
    expect(last.detail).toMatchObject({
      stopCode: 'UserInitiated',
      stoppedReason: 'job cancelled',
      version: 9,
    });
    expect(last.detail.containers[0]?.exitCode).toBe(143);
    expect(Date.now() - stoppedAt).toBeLessThan(1500);
  });

  it('SIGKILLs a process that ignores SIGTERM after the stopTimeout (exit 137)', async () => {
    const taskArn = await runOne(h, { taskDefinition: 'stubborn' });
    await waitFor(() => logOf(h, taskArn).includes('ready'), 'the SIGTERM handler');

    const stoppedAt = Date.now();
    await h.client.send(new StopTaskCommand({ cluster: CLUSTER, task: taskArn }));
    const deactivating = await waitFor(() => eventWith(h, taskArn, 'DEACTIVATING'), 'DEACTIVATING');
    const elapsed = Date.now() - stoppedAt;

    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(3500);
    expect(logOf(h, taskArn)).toContain('ignored SIGTERM');
    expect(deactivating.detail).toMatchObject({
      stopCode: 'UserInitiated',
      stoppedReason: 'Task stopped by user',
    });
    expect(deactivating.detail.containers[0]?.exitCode).toBe(137);
  });

  it('stops with TaskFailedToStart when the command cannot start or there is none', async () => {
    const missing = await runOne(h, { taskDefinition: 'missing-binary' });
    const none = await runOne(h, { taskDefinition: 'no-command' });
    const missingStopped = await waitFor(() => eventWith(h, missing, 'STOPPED'), 'STOPPED');
    const noneStopped = await waitFor(() => eventWith(h, none, 'STOPPED'), 'STOPPED');

    for (const arn of [missing, none]) {
      expect(statusesOf(h, arn)).toEqual(['PROVISIONING', 'PENDING', 'STOPPED']);
      expect(eventsOf(h, arn).map((e) => e.detail.version)).toEqual([1, 2, 3]);
    }
    expect(missingStopped.detail).toMatchObject({ stopCode: 'TaskFailedToStart', desiredStatus: 'STOPPED' });
    expect(missingStopped.detail.stoppedReason).toMatch(/^CannotStartContainerError: .*ENOENT/);
    expect(missingStopped.detail.containers[0]?.exitCode).toBeUndefined();
    expect(noneStopped.detail.stoppedReason).toMatch(/^CannotPullContainerError: /);
    expect(viewOf(h, none)?.pid).toBeUndefined();
  });

  it('lists tasks by filter, page by page', async () => {
    const output = await h.client.send(
      new RunTaskCommand({
        networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
        cluster: CLUSTER,
        taskDefinition: 'sleeper',
        count: 5,
        startedBy: 'job-list',
      }),
    );
    const arns = (output.tasks ?? []).map((t) => t.taskArn ?? '');
    const [first] = arns;
    await h.client.send(new StopTaskCommand({ cluster: CLUSTER, task: first }));

    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await h.client.send(
        new ListTasksCommand({ cluster: CLUSTER, startedBy: 'job-list', maxResults: 2, nextToken }),
      );
      pages.push(page.taskArns ?? []);
      nextToken = page.nextToken;
    } while (nextToken);
    const stopped = await h.client.send(
      new ListTasksCommand({ cluster: CLUSTER, startedBy: 'job-list', desiredStatus: 'STOPPED' }),
    );
    const byFamily = await h.client.send(new ListTasksCommand({ cluster: CLUSTER, family: 'sleeper' }));
    const badToken = await errorOf(
      h.client.send(new ListTasksCommand({ cluster: CLUSTER, nextToken: 'not-a-token' })),
    );
    const noService = await errorOf(
      h.client.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: 'nope' })),
    );

    expect(pages.map((page) => page.length)).toEqual([2, 2]);
    expect(pages.flat()).toEqual(arns.slice(1));
    expect(stopped.taskArns).toEqual([first]);
    expect(byFamily.taskArns).toEqual(expect.arrayContaining(arns.slice(1)));
    expect(byFamily.taskArns).not.toContain(first);
    expect(badToken?.name).toBe('InvalidParameterException');
    expect(noService?.name).toBe('ServiceNotFoundException');
    for (const arn of arns.slice(1))
      await h.client.send(new StopTaskCommand({ cluster: CLUSTER, task: arn }));
  });

  it('answers DescribeTasks for unknown tasks with MISSING and refuses more than 100', async () => {
    const known = await runOne(h, {
      taskDefinition: 'printer',
      tags: [{ key: 'team', value: 'data' }],
    });
    const unknown = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${'0'.repeat(32)}`;

    const output = await h.client.send(
      new DescribeTasksCommand({ cluster: CLUSTER, tasks: [known, unknown, 'garbage'], include: ['TAGS'] }),
    );
    const withoutTags = await h.client.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [known] }));
    const tooMany = await errorOf(
      h.client.send(
        new DescribeTasksCommand({ cluster: CLUSTER, tasks: Array.from({ length: 101 }, () => known) }),
      ),
    );
    const stopUnknown = await errorOf(
      h.client.send(new StopTaskCommand({ cluster: CLUSTER, task: unknown })),
    );

    expect(output.tasks?.map((t) => t.taskArn)).toEqual([known]);
    expect(output.tasks?.[0]?.tags).toEqual([{ key: 'team', value: 'data' }]);
    expect(withoutTags.tasks?.[0]?.tags).toBeUndefined();
    expect(output.failures).toEqual([
      { arn: unknown, reason: 'MISSING' },
      { arn: 'garbage', reason: 'MISSING' },
    ]);
    expect(tooMany?.name).toBe('InvalidParameterException');
    expect(stopUnknown?.name).toBe('InvalidParameterException');
    expect(stopUnknown?.message).toBe('The referenced task was not found.');
  });
});

describe('local ECS endpoint, services and task protection', () => {
  let h: Harness;
  const serviceTasks = (name: string, status = 'RUNNING') =>
    h.ecs
      .tasks()
      .filter(
        (t) => t.group === `service:${name}` && t.desiredStatus === 'RUNNING' && t.lastStatus === status,
      );

  beforeAll(async () => {
    h = await startHarness({
      throttling: false,
      services: [
        { name: 'workers', taskDefinition: 'worker', desiredCount: 2 },
        { name: 'guarded', taskDefinition: 'guard', desiredCount: 1, capacityProvider: 'FARGATE_SPOT' },
      ],
    });
  });

  it('keeps desiredCount tasks running and describes the service', async () => {
    const running = await waitFor(
      () => serviceTasks('workers').length === 2 && serviceTasks('workers'),
      'two workers',
    );

    const output = await h.client.send(
      new DescribeServicesCommand({ cluster: CLUSTER, services: ['workers', 'no-such-service'] }),
    );

    const listed = await h.client.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: 'workers' }));

    const service = output.services?.[0];
    expect(service).toMatchObject({
      serviceName: 'workers',
      serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/workers`,
      clusterArn: CLUSTER_ARN,
      status: 'ACTIVE',
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/worker:1`,
    });
    expect(service?.deployments?.[0]).toMatchObject({ status: 'PRIMARY', desiredCount: 2, runningCount: 2 });
    expect(output.failures).toEqual([
      { arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/no-such-service`, reason: 'MISSING' },
    ]);
    expect(listed.taskArns?.sort()).toEqual(running.map((task) => task.taskArn).sort());
    for (const task of running) {
      expect(task.startedBy).toMatch(/^ecs-svc\/\d{19}$/);
      expect(task.startedBy).toBe(service?.deployments?.[0]?.id);
    }
  });

  it('replaces a task that is killed', async () => {
    const [victim] = await waitFor(
      () => serviceTasks('workers').length === 2 && serviceTasks('workers'),
      'workers',
    );
    const victimArn = victim?.taskArn ?? '';

    h.ecs.kill(victimArn);
    const stopped = await waitFor(() => eventWith(h, victimArn, 'STOPPED'), 'the killed task to stop');
    const replaced = await waitFor(
      () =>
        serviceTasks('workers').length === 2 && !serviceTasks('workers').some((t) => t.taskArn === victimArn),
      'a replacement',
    );

    expect(replaced).toBe(true);
    expect(stopped.detail).toMatchObject({ stopCode: 'EssentialContainerExited', group: 'service:workers' });
    expect(stopped.detail.containers[0]?.exitCode).toBe(137);
  });

  it('scales in only unprotected tasks, and the rest once their protection is removed', async () => {
    await h.client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'workers', desiredCount: 4 }));
    const four = await waitFor(
      () => serviceTasks('workers').length === 4 && serviceTasks('workers'),
      'four workers',
    );
    const [a, b, c, d] = four.map((t) => t.taskArn);
    const taskIdC = c?.split('/').pop();

    const viaApi = await h.client.send(
      new UpdateTaskProtectionCommand({
        cluster: CLUSTER,
        tasks: [a ?? '', b ?? ''],
        protectionEnabled: true,
      }),
    );
    const viaAgent = await fetch(`${h.ecs.endpoint}/api/${taskIdC}/task-protection/v1/state`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ProtectionEnabled: true, ExpiresInMinutes: 60 }),
    });
    const agentBody = (await viaAgent.json()) as { protection: Record<string, unknown> };
    const scaledIn = await h.client.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: 'workers', desiredCount: 1 }),
    );
    const dStopped = await waitFor(() => eventWith(h, d ?? '', 'STOPPED'), 'the unprotected task to stop');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stillRunning = serviceTasks('workers').map((t) => t.taskArn);
    const protection = await h.client.send(
      new GetTaskProtectionCommand({ cluster: CLUSTER, tasks: [a ?? '', c ?? ''] }),
    );

    const expiresIn = (viaApi.protectedTasks?.[0]?.expirationDate?.getTime() ?? 0) - Date.now();
    expect(viaApi.protectedTasks?.map((p) => p.protectionEnabled)).toEqual([true, true]);
    expect(expiresIn).toBeGreaterThan(119 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(120 * 60_000);
    expect(viaAgent.status).toBe(200);
    expect(agentBody.protection).toEqual({
      ExpirationDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      ProtectionEnabled: true,
      TaskArn: c,
    });
    expect(scaledIn.service?.desiredCount).toBe(1);
    expect(dStopped.detail).toMatchObject({
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: `Scaling activity initiated by (deployment ${scaledIn.service?.deployments?.[0]?.id})`,
    });
    expect(stillRunning.sort()).toEqual([a, b, c].sort());
    expect(protection.protectedTasks?.map((p) => p.protectionEnabled)).toEqual([true, true]);

    await h.client.send(
      new UpdateTaskProtectionCommand({ cluster: CLUSTER, tasks: [a ?? ''], protectionEnabled: false }),
    );
    await waitFor(() => eventWith(h, a ?? '', 'DEACTIVATING'), 'a to stop once unprotected');
    const agentOff = await fetch(`${h.ecs.endpoint}/api/${taskIdC}/task-protection/v1/state`, {
      method: 'PUT',
      body: JSON.stringify({ ProtectionEnabled: false }),
    });
    await waitFor(() => eventWith(h, c ?? '', 'DEACTIVATING'), 'c to stop once unprotected');
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await agentOff.json()).toEqual({
      protection: { ExpirationDate: null, ProtectionEnabled: false, TaskArn: c },
    });
    expect(serviceTasks('workers').map((t) => t.taskArn)).toEqual([b]);
  });

  it('lets a container protect itself through ECS_AGENT_URI', async () => {
    const [guard] = await waitFor(
      () => serviceTasks('guarded').length === 1 && serviceTasks('guarded'),
      'the guard',
    );
    const guardArn = guard?.taskArn ?? '';
    const line = await waitFor(
      () =>
        logOf(h, guardArn)
          .split('\n')
          .find((l) => l.startsWith('AGENT')),
      "the container's agent call",
    );

    await h.client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'guarded', desiredCount: 0 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const whileProtected = viewOf(h, guardArn);
    await h.client.send(
      new UpdateTaskProtectionCommand({ cluster: CLUSTER, tasks: [guardArn], protectionEnabled: false }),
    );
    const stopped = await waitFor(() => eventWith(h, guardArn, 'STOPPED'), 'the guard to stop');

    const [, status, json] = /^AGENT (\d+) (.*)$/.exec(line) ?? [];
    expect(status).toBe('200');
    expect(JSON.parse(json ?? '{}')).toMatchObject({
      protection: { ProtectionEnabled: true, TaskArn: guardArn },
    });
    expect(whileProtected).toMatchObject({ desiredStatus: 'RUNNING', protected: true });
    expect(stopped.detail).toMatchObject({
      stopCode: 'ServiceSchedulerInitiated',
      capacityProviderName: 'FARGATE_SPOT',
    });
  });

  it('answers protection requests for standalone, unknown and malformed cases like ECS and the agent', async () => {
    const standalone = await runOne(h, { taskDefinition: 'sleeper' });
    const standaloneId = standalone.split('/').pop();
    const unknown = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${'f'.repeat(32)}`;

    const output = await h.client.send(
      new UpdateTaskProtectionCommand({
        cluster: CLUSTER,
        tasks: [standalone, unknown],
        protectionEnabled: true,
      }),
    );
    const tooLong = await errorOf(
      h.client.send(
        new UpdateTaskProtectionCommand({
          cluster: CLUSTER,
          tasks: [standalone],
          protectionEnabled: true,
          expiresInMinutes: 2881,
        }),
      ),
    );
    const unknownField = await fetch(`${h.ecs.endpoint}/api/${standaloneId}/task-protection/v1/state`, {
      method: 'PUT',
      body: JSON.stringify({ ProtectionEnabled: true, Forever: true }),
    });
    const noTask = await fetch(`${h.ecs.endpoint}/api/${'e'.repeat(32)}/task-protection/v1/state`);
    const notValid = await fetch(`${h.ecs.endpoint}/api/${standaloneId}/task-protection/v1/state`);
    const metadata = await fetch(`${h.ecs.endpoint}/v4/${standaloneId}/task`);

    expect(output.protectedTasks).toEqual([]);
    expect(output.failures).toEqual([
      expect.objectContaining({ arn: standalone, reason: 'TASK_NOT_VALID' }),
      { arn: unknown, reason: 'MISSING' },
    ]);
    expect(tooLong?.name).toBe('InvalidParameterException');
    expect(unknownField.status).toBe(400);
    expect(await unknownField.json()).toEqual({
      error: { Code: 'InvalidParameterException', Message: 'UpdateTaskProtection: failed to decode request' },
    });
    expect(noTask.status).toBe(404);
    expect(await noTask.json()).toEqual({
      error: { Code: 'ResourceNotFoundException', Message: 'Failed to find a task for the request' },
    });
    expect(await notValid.json()).toMatchObject({ failure: { Arn: standalone, Reason: 'TASK_NOT_VALID' } });
    expect(await metadata.json()).toMatchObject({
      Cluster: CLUSTER_ARN,
      TaskARN: standalone,
      Family: 'sleeper',
      Revision: '1',
      LaunchType: 'FARGATE',
      Containers: [{ Name: 'main', Type: 'NORMAL' }],
    });
    await h.client.send(new StopTaskCommand({ cluster: CLUSTER, task: standalone }));
  });
});

describe('local ECS endpoint, faults and limits', () => {
  let before = 0;
  beforeEach(() => {
    before = harnesses.length;
  });
  afterEach(async () => {
    await closeAndCheck(harnesses.splice(before));
  });

  it('answers failures[] when Fargate has no capacity', async () => {
    const h = await startHarness({ capacityFailureRate: 1 });

    const output = await h.client.send(
      new RunTaskCommand({
        networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
        cluster: CLUSTER,
        taskDefinition: 'sleeper',
        count: 2,
      }),
    );

    expect(output.tasks).toEqual([]);
    expect(output.failures).toEqual([{ reason: CAPACITY_UNAVAILABLE }, { reason: CAPACITY_UNAVAILABLE }]);
    expect(h.ecs.tasks()).toEqual([]);
  });

  it('throttles a RunTask burst with ThrottlingException, then recovers', async () => {
    // Capacity failures keep the calls cheap: RunTask is still called and throttled, nothing runs.
    const h = await startHarness({ capacityFailureRate: 1 });
    const call = () =>
      errorOf(
        h.client.send(
          new RunTaskCommand({
            networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
            cluster: CLUSTER,
            taskDefinition: 'sleeper',
          }),
        ),
      );

    const began = performance.now();
    const outcomes = await Promise.all(Array.from({ length: 30 }, call));
    const burstSeconds = (performance.now() - began) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const later = await call();

    const throttled = outcomes.filter((error) => error !== undefined);
    // Fargate allows 20 RunTask calls per second, burst and sustained.
    expect(outcomes.length - throttled.length).toBeGreaterThanOrEqual(20);
    // Tokens trickle back at 20/s while the burst is in flight: on a busy machine the burst itself
    // takes longer, so the bound is the bucket's, over the time the burst really took.
    expect(outcomes.length - throttled.length).toBeLessThanOrEqual(20 + Math.ceil(burstSeconds * 20));
    for (const error of throttled) {
      expect(error?.name).toBe('ThrottlingException');
      expect(error?.message).toBe('Rate exceeded');
      expect(error?.$metadata?.httpStatusCode).toBe(400);
    }
    expect(later).toBeUndefined();
  });

  it('does not throttle when throttling is off', async () => {
    const h = await startHarness({ capacityFailureRate: 1, throttling: false });

    const outcomes = await Promise.all(
      Array.from({ length: 60 }, () =>
        errorOf(
          h.client.send(
            new RunTaskCommand({
              networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
              cluster: CLUSTER,
              taskDefinition: 'sleeper',
            }),
          ),
        ),
      ),
    );

    expect(outcomes.filter((error) => error !== undefined)).toEqual([]);
  });

  it('stops a task that is still provisioning without running its process', async () => {
    const h = await startHarness({ stepDelayMs: 300 });

    const taskArn = await runOne(h, { taskDefinition: 'sleeper' });
    const output = await h.client.send(new StopTaskCommand({ cluster: CLUSTER, task: taskArn }));
    const stopped = await waitFor(() => eventWith(h, taskArn, 'STOPPED'), 'STOPPED');

    expect(output.task).toMatchObject({ lastStatus: 'PROVISIONING', desiredStatus: 'STOPPED', version: 2 });
    expect(
      eventsOf(h, taskArn).map((e) => [e.detail.lastStatus, e.detail.desiredStatus, e.detail.version]),
    ).toEqual([
      ['PROVISIONING', 'RUNNING', 1],
      ['PROVISIONING', 'STOPPED', 2],
      ['STOPPED', 'STOPPED', 3],
    ]);
    expect(stopped.detail.stopCode).toBe('UserInitiated');
    expect(viewOf(h, taskArn)?.pid).toBeUndefined();
  });

  it('backs off replacing a service task that fails at once', async () => {
    const h = await startHarness({
      taskDefinitions: [...TASK_DEFINITIONS, definition('crasher', { command: PROGRAMS.crash })],
      services: [{ name: 'crashing', taskDefinition: 'crasher', desiredCount: 1 }],
    });

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const launched = h.ecs.tasks().filter((t) => t.group === 'service:crashing');

    // Without backoff a task that lives ~100 ms would be replaced ~20 times in 2 s.
    expect(launched.length).toBeGreaterThanOrEqual(2);
    expect(launched.length).toBeLessThanOrEqual(6);
  });

  it('close() stops every process, grandchildren included, and the server', async () => {
    const h = await startHarness({
      taskDefinitions: [...TASK_DEFINITIONS, definition('parent', { command: PROGRAMS.withGrandchild })],
      services: [{ name: 'workers', taskDefinition: 'worker', desiredCount: 2 }],
    });
    const stubborn = await runOne(h, { taskDefinition: 'stubborn' });
    const parent = await runOne(h, { taskDefinition: 'parent' });
    await waitFor(() => logOf(h, stubborn).includes('ready'), 'the stubborn process');
    const grandchild = Number(
      (await waitFor(() => /grandchild (\d+)/.exec(logOf(h, parent)) ?? undefined, 'the grandchild'))[1],
    );
    await waitFor(() => h.ecs.tasks().filter((t) => t.pid !== undefined).length === 4, 'four processes');
    const pids = [...h.ecs.tasks().flatMap((t) => (t.pid ? [t.pid] : [])), grandchild];

    const started = Date.now();
    await h.ecs.close();
    const took = Date.now() - started;
    const afterClose = await errorOf(fetch(h.ecs.endpoint));

    expect(pids.filter(isAlive)).toEqual([]);
    // The stubborn task needs SIGKILL: min(stopTimeout 2 s, 5 s).
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(4000);
    expect(afterClose).toBeInstanceOf(Error);
  });

  it('refuses a port in use and unknown options', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const base = {
      region: REGION,
      accountId: ACCOUNT,
      cluster: CLUSTER,
      taskDefinitions: TASK_DEFINITIONS,
      logDir: tmpdir(),
      baseEnv: {},
      onTaskStateChange: () => {},
    };

    const inUse = await errorOf(startLocalEcs({ ...base, port }));
    const typo = await errorOf(startLocalEcs({ ...base, stepDelay: 5 } as unknown as LocalEcsOptions));
    await new Promise((resolve) => blocker.close(resolve));

    expect(inUse).toBeInstanceOf(PortInUseError);
    expect((inUse as unknown as PortInUseError).port).toBe(port);
    expect(typo).toBeInstanceOf(LocalConfigError);
    expect(typo?.message).toMatch(/stepDelay/);
  });
});

describe('ECS token buckets (injected clock)', () => {
  it('refills continuously up to the burst capacity', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 100, refillPerSecond: 40 }, () => now);

    const burst = Array.from({ length: 101 }, () => bucket.tryTake());
    now += 100;
    const afterTenthOfASecond = [
      bucket.tryTake(),
      bucket.tryTake(),
      bucket.tryTake(),
      bucket.tryTake(),
      bucket.tryTake(),
    ];
    now += 60_000;

    expect(burst.filter(Boolean)).toHaveLength(100);
    expect(burst[100]).toBe(false);
    expect(afterTenthOfASecond).toEqual([true, true, true, true, false]);
    expect(bucket.available()).toBe(100);
  });

  it('shares cluster-resource tokens between RunTask and StopTask and counts Fargate launches per task', () => {
    let now = 0;
    const throttle = new EcsThrottle(true, () => now);

    const runTasks = Array.from({ length: 21 }, () =>
      throttle.admit({ action: 'RunTask', launches: { FARGATE: 1 } }),
    );
    const stopTasks = Array.from({ length: 81 }, () => throttle.admit({ action: 'StopTask' }));
    now += 1000;
    const launches = Array.from({ length: 11 }, () =>
      throttle.admit({ action: 'RunTask', launches: { FARGATE: 10 } }),
    );
    const spot = throttle.admit({ action: 'RunTask', launches: { FARGATE_SPOT: 10 } });

    // 20 RunTask calls per second on Fargate; 100 cluster-resource tokens shared with StopTask.
    expect(runTasks.filter(Boolean)).toHaveLength(20);
    expect(stopTasks.filter(Boolean)).toHaveLength(80);
    // On-Demand launch tokens after 1 s: 80 left + 20 refilled = 100 tasks, then none; Spot has its own.
    expect(launches.filter(Boolean)).toHaveLength(10);
    expect(launches[10]).toBe(false);
    expect(spot).toBe(true);
    expect(new EcsThrottle(false).admit({ action: 'RunTask', launches: { FARGATE: 1000 } })).toBe(true);
  });
});
