import { EcsLauncher, RunTaskError } from '@stevedore/aws';
import type { LaunchRequest } from '@stevedore/core/ports';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ScriptedEcs, startScriptedEcs } from '../../support/scripted-ecs';

const CLUSTER = 'arn:aws:ecs:us-east-1:111122223333:cluster/stevedore';
const TASK_ARN = 'arn:aws:ecs:us-east-1:111122223333:task/stevedore/0123456789abcdef0123456789abcdef';

const request = (overrides: Partial<LaunchRequest> = {}): LaunchRequest => ({
  jobId: 'thumbnails-0123456789abcdef0123',
  attempt: 2,
  taskDefinition: 'stevedore-thumbnailer',
  containerName: 'main',
  env: { S3_BUCKET: 'inbox', S3_KEY: 'a b/$(rm -rf ~)`;|&.jpg' },
  capacityProvider: 'FARGATE_SPOT',
  ...overrides,
});

let ecs: ScriptedEcs;
let launcher: EcsLauncher;

beforeAll(async () => {
  ecs = await startScriptedEcs();
});
afterAll(() => ecs.close());
beforeEach(() => {
  ecs.calls.length = 0;
  launcher = new EcsLauncher({ cluster: CLUSTER, client: ecs.client() });
});

describe('runTask', () => {
  it('sends one idempotent RunTask with the environment as data', async () => {
    ecs.answer('RunTask', () => ({
      body: { tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }], failures: [] },
    }));

    const launched = await launcher.runTask(request());

    expect(launched).toEqual({ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' });
    expect(ecs.calls).toHaveLength(1);
    const body = ecs.calls[0]?.body;
    expect(body).toMatchObject({
      cluster: CLUSTER,
      taskDefinition: 'stevedore-thumbnailer',
      count: 1,
      clientToken: 'thumbnails-0123456789abcdef0123:2',
      startedBy: 'thumbnails-0123456789abcdef0123',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      overrides: {
        containerOverrides: [
          {
            name: 'main',
            environment: [
              { name: 'S3_BUCKET', value: 'inbox' },
              { name: 'S3_KEY', value: 'a b/$(rm -rf ~)`;|&.jpg' },
            ],
          },
        ],
      },
    });
    expect(body?.tags).toEqual(
      expect.arrayContaining([
        { key: 'stevedore:job', value: 'thumbnails-0123456789abcdef0123' },
        { key: 'stevedore:attempt', value: '2' },
      ]),
    );
  });

  it('relaunches an attempt Spot refused on FARGATE under a clientToken of its own, at most 64 characters', () => {
    const relaunch = launcher.runTaskInput(request({ capacityProvider: 'FARGATE', onDemandRelaunch: true }));
    const longest = `${'a'.repeat(40)}-0123456789abcdef0123`;
    const long = launcher.runTaskInput(request({ jobId: longest, attempt: 13, onDemandRelaunch: true }));

    expect(relaunch).toMatchObject({
      clientToken: 'thumbnails-0123456789abcdef0123:2:od',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });
    expect(long.clientToken).toHaveLength(64);
    expect(long.clientToken).toBe(`${longest}:13:od`.slice(-64));
    expect(launcher.runTaskInput(request({ jobId: longest, attempt: 10 })).clientToken).toBe(`${longest}:10`);
  });

  it('sends the same request for an attempt whatever order its environment was built in', () => {
    // A job read back from DynamoDB lists its input in another order; ECS would call that a conflict.
    const a = launcher.runTaskInput(
      request({ env: { S3_KEY: 'k', S3_BUCKET: 'b', STEVEDORE_ATTEMPT: '2' } }),
    );
    const b = launcher.runTaskInput(
      request({ env: { STEVEDORE_ATTEMPT: '2', S3_BUCKET: 'b', S3_KEY: 'k' } }),
    );

    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it.each([
    [
      'capacity',
      {
        reason:
          'Capacity is unavailable at this time. Please try again later or in a different availability zone',
      },
    ],
    ['capacity', { reason: 'RESOURCE:MEMORY' }],
    ['invalid', { reason: 'MISSING', arn: CLUSTER }],
    ['unknown', { reason: 'AGENT' }],
  ] as const)('turns failures[] into a %s error', async (kind, failure) => {
    ecs.answer('RunTask', () => ({ body: { tasks: [], failures: [failure] } }));

    const error = await launcher.runTask(request()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RunTaskError);
    expect((error as RunTaskError).kind).toBe(kind);
    expect((error as RunTaskError).reason).toContain(failure.reason);
  });

  it.each([
    ['throttling', 400, 'ThrottlingException', 'Rate exceeded'],
    ['invalid', 400, 'InvalidParameterException', 'Task definition does not exist'],
    ['invalid', 400, 'ClientException', 'Unable to assume the service linked role'],
    ['invalid', 400, 'AccessDeniedException', 'not authorized to perform ecs:RunTask'],
    [
      'invalid',
      400,
      'InvalidParameterException',
      'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.',
    ],
    [
      'capacity',
      400,
      'InvalidParameterException',
      'Capacity is unavailable at this time. Please try again later.',
    ],
    ['conflict', 400, 'ConflictException', 'The clientToken is already in use with different parameters'],
    ['unknown', 500, 'ServerException', 'Service unavailable'],
  ] as const)(
    'turns %s exceptions (%s %s) into typed errors with the cause kept',
    async (kind, status, type, message) => {
      ecs.answer('RunTask', () => ({ status, error: type, message }));

      const error = await launcher.runTask(request()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RunTaskError);
      expect((error as RunTaskError).kind).toBe(kind);
      expect((error as RunTaskError).cause).toBeInstanceOf(Error);
      expect(((error as RunTaskError).cause as Error).name).toBe(type);
    },
  );

  it('shares a launch under way with a second caller for the same attempt: one RunTask, the same task', async () => {
    ecs.answer('RunTask', () => ({ body: { tasks: [{ taskArn: TASK_ARN }], failures: [] } }));

    const [handler, sweeper, nextAttempt] = await Promise.all([
      launcher.runTask(request()),
      launcher.runTask(request()),
      launcher.runTask(request({ attempt: 3 })),
    ]);

    expect(handler).toEqual({ taskArn: TASK_ARN });
    expect(sweeper).toEqual({ taskArn: TASK_ARN });
    expect(nextAttempt).toEqual({ taskArn: TASK_ARN });
    expect(ecs.calls.map((c) => (c.body as { clientToken?: string }).clientToken)).toEqual([
      'thumbnails-0123456789abcdef0123:2',
      'thumbnails-0123456789abcdef0123:3',
    ]);
  });

  it('does not share a finished launch: the same attempt asked again later is a RunTask of its own', async () => {
    ecs.answer('RunTask', () => ({ body: { tasks: [{ taskArn: TASK_ARN }], failures: [] } }));

    await launcher.runTask(request());
    await launcher.runTask(request());

    expect(ecs.calls).toHaveLength(2);
  });

  it('after a throttled RunTask, empties its pace: the refusal says when it refills, and the next call waits for it', async () => {
    // 2 per second: a token every 500 ms, long enough to see on any machine.
    const paced = new EcsLauncher({
      cluster: CLUSTER,
      client: ecs.client(),
      runTaskRate: { perSecond: 2, burst: 5 },
    });
    ecs.answer('RunTask', () => ({ status: 400, error: 'ThrottlingException', message: 'Rate exceeded' }));
    const refusal = await paced.runTask(request()).catch((e: unknown) => e);
    const refusedAt = performance.now();
    ecs.answer('RunTask', () => ({ body: { tasks: [{ taskArn: TASK_ARN }], failures: [] } }));

    await paced.runTask(request());

    expect(refusal).toBeInstanceOf(RunTaskError);
    expect(refusal).toMatchObject({ kind: 'throttling', retryAfterMs: 500 });
    // Its model said 4 tokens were left; without the correction this call would not have waited.
    expect(performance.now() - refusedAt).toBeGreaterThanOrEqual(450);
  });

  it('empties its pace on a throttled try that the SDK retried to success, so the next call waits for the refill', async () => {
    const retrying = new EcsLauncher({
      cluster: CLUSTER,
      client: ecs.client({ maxAttempts: 2 }),
      // A token every 5 s: far longer than the SDK's own wait before its retry (under a second).
      runTaskRate: { perSecond: 0.2, burst: 5 },
    });
    let calls = 0;
    ecs.answer('RunTask', () => {
      calls += 1;
      return calls === 1
        ? { status: 400, error: 'ThrottlingException', message: 'Rate exceeded' }
        : { body: { tasks: [{ taskArn: TASK_ARN }], failures: [] } };
    });

    await retrying.runTask(request());
    const firstDoneAt = performance.now();
    await retrying.runTask(request());

    expect(calls).toBe(3);
    // Its model said 4 tokens were left; emptied by the throttled try, it waits for the refill, 5 s
    // after that try, less the SDK's wait before its retry.
    expect(performance.now() - firstDoneAt).toBeGreaterThanOrEqual(2500);
  });

  it('refuses overrides over 8,192 characters without calling ECS', async () => {
    const env = { BIG: 'x'.repeat(8200) };

    const error = await launcher.runTask(request({ env })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RunTaskError);
    expect((error as RunTaskError).kind).toBe('invalid');
    expect((error as RunTaskError).reason).toMatch(/8192/);
    expect(ecs.calls).toHaveLength(0);
  });
});

describe('stopTask, describeTasks, listTasks', () => {
  it('stops with the reason cut to ECS limit, and treats an unknown task as stopped', async () => {
    ecs.answer('StopTask', (body) =>
      body.task === 'gone'
        ? { status: 400, error: 'InvalidParameterException', message: 'The referenced task was not found.' }
        : { body: { task: { taskArn: TASK_ARN } } },
    );

    await launcher.stopTask(TASK_ARN, `Stevedore: ${'x'.repeat(400)}`);
    await launcher.stopTask('gone', 'why');

    expect(String(ecs.calls[0]?.body.reason)).toHaveLength(255);
    expect(ecs.calls).toHaveLength(2);
  });

  it('does not take a missing cluster for a stopped task', async () => {
    ecs.answer('StopTask', () => ({
      status: 400,
      error: 'ClusterNotFoundException',
      message: 'Cluster not found.',
    }));

    await expect(launcher.stopTask(TASK_ARN, 'why')).rejects.toThrow(/StopTask/);
  });

  it('describes in chunks of 100 and reports MISSING tasks', async () => {
    const arns = Array.from(
      { length: 150 },
      (_, i) => `${TASK_ARN.slice(0, -3)}${String(i).padStart(3, '0')}`,
    );
    ecs.answer('DescribeTasks', (body) => {
      const asked = body.tasks as string[];
      return {
        body: {
          tasks: asked.slice(1).map((taskArn, i) => ({
            taskArn,
            version: 3,
            lastStatus: 'RUNNING',
            desiredStatus: 'RUNNING',
            startedBy: 'thumbnails-0123456789abcdef0123',
            cpu: '256',
            memory: '512',
            createdAt: 1_767_225_600 + i,
            startedAt: 1_767_225_610,
            overrides: {
              containerOverrides: [
                { name: 'main', environment: [{ name: 'STEVEDORE_ATTEMPT', value: '1' }] },
              ],
            },
            containers: [{ name: 'main', lastStatus: 'RUNNING' }],
          })),
          failures: [{ arn: asked[0], reason: 'MISSING' }],
        },
      };
    });

    const described = await launcher.describeTasks(arns);

    expect(ecs.calls.map((c) => (c.body.tasks as string[]).length)).toEqual([100, 50]);
    expect(described.missing).toEqual([arns[0], arns[100]]);
    expect(described.tasks).toHaveLength(148);
    expect(described.tasks[0]).toMatchObject({
      lastStatus: 'RUNNING',
      version: 3,
      cpu: 256,
      memory: 512,
      overrideEnv: { STEVEDORE_ATTEMPT: '1' },
      startedAt: '2026-01-01T00:00:10.000Z',
    });
  });

  it('lists running and stopped tasks across pages', async () => {
    ecs.answer('ListTasks', (body) => {
      if (body.desiredStatus === 'STOPPED') return { body: { taskArns: ['stopped-1'] } };
      return body.nextToken
        ? { body: { taskArns: ['running-2'] } }
        : { body: { taskArns: ['running-1'], nextToken: 't' } };
    });

    const arns = await launcher.listTasks('thumbnails-0123456789abcdef0123');

    expect(arns).toEqual(['running-1', 'running-2', 'stopped-1']);
    expect(ecs.calls.every((c) => c.body.startedBy === 'thumbnails-0123456789abcdef0123')).toBe(true);
  });
});

describe('endpoint configuration', () => {
  it('honours AWS_ENDPOINT_URL_ECS when no client is given', async () => {
    ecs.answer('ListTasks', () => ({ body: { taskArns: [] } }));
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ECS: ecs.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      await new EcsLauncher({ cluster: CLUSTER }).listTasks('x');
    } finally {
      process.env = saved;
    }
    expect(ecs.calls.map((c) => c.action)).toEqual(['ListTasks', 'ListTasks']);
  });
});
