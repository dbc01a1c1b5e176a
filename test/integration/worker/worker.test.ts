import { setTimeout as sleep } from 'node:timers/promises';
import { RunTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { LOCAL_NETWORK_CONFIGURATION, type LocalTaskView } from '@stevedore/local';
import {
  QueueError,
  runWorker,
  TaskProtection,
  TaskProtectionError,
  WorkerConfigError,
  type WorkerMessage,
} from '@stevedore/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ACCOUNT,
  CLUSTER,
  EXAMPLE_WORKER,
  exampleWorkerEnv,
  spawnExampleWorker,
  startTestWorker,
  startWorkerHarness,
  taskDefinition,
  type WorkerHarness,
  waitFor,
} from '../../support/worker-harness';

/*
 * runWorker against the S3/SQS stand-in, with scale-in protection going through the local ECS
 * endpoint's agent route (ECS_AGENT_URI of a real service task) and checked with GetTaskProtection;
 * then examples/worker/main.ts as a process of its own and as the container of a local ECS service.
 */

const QUEUES = [
  { name: 'basic' },
  { name: 'retry', attributes: { VisibilityTimeout: '1' } },
  { name: 'release' },
  { name: 'long', attributes: { VisibilityTimeout: '2' } },
  { name: 'stop' },
  { name: 'protect' },
  { name: 'outside' },
  { name: 'standalone' },
  { name: 'example-process' },
  { name: 'example-service' },
];

let h: WorkerHarness;
let taskA: LocalTaskView;
let taskB: LocalTaskView;

beforeAll(async () => {
  h = await startWorkerHarness({
    queues: QUEUES,
    taskDefinitions: (storage) => [
      taskDefinition('idle', [process.execPath, '-e', 'setInterval(() => {}, 1000)']),
      taskDefinition(
        'example-worker',
        EXAMPLE_WORKER,
        exampleWorkerEnv(storage, storage.queueUrls['example-service'] ?? ''),
      ),
    ],
    services: [
      { name: 'workers', taskDefinition: 'idle', desiredCount: 2 },
      { name: 'example', taskDefinition: 'example-worker', desiredCount: 1 },
    ],
  });
  const tasks = await waitFor(
    () => h.runningTasks('workers').length === 2 && h.runningTasks('workers'),
    'tasks',
  );
  [taskA, taskB] = tasks as [LocalTaskView, LocalTaskView];
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const job = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, ...extra });
const idOf = (message: WorkerMessage) => (JSON.parse(message.body) as { id: string }).id;
const emptyQueue = { visible: 0, inFlight: 0, delayed: 0 };

describe('runWorker', () => {
  it('handles every message once and deletes it', async () => {
    const seen: Array<{ id: string; receiveCount: number }> = [];
    const worker = startTestWorker({
      queueUrl: h.queueUrl('basic'),
      sqs: h.sqs,
      maxMessages: 10,
      taskProtection: new TaskProtection(h.agentUriOf(taskA)),
      handler: (message) => {
        seen.push({ id: idOf(message), receiveCount: message.receiveCount });
      },
    });

    await h.send(
      'basic',
      ['a', 'b', 'c', 'd', 'e'].map((id) => job(id)),
    );
    await waitFor(() => worker.ofType('deleted').flatMap((e) => e.messageIds).length === 5, 'five deletes');
    const summary = await worker.stop();

    expect(seen.map((s) => s.id).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(seen.every((s) => s.receiveCount === 1)).toBe(true);
    expect(summary).toEqual({ received: 5, succeeded: 5, failed: 0 });
    expect(h.storage.queueDepth('basic')).toEqual(emptyQueue);
    expect(worker.ofType('started')[0]).toMatchObject({
      visibilityTimeoutSeconds: 30,
      protectionAvailable: true,
    });
    expect(worker.ofType('error')).toEqual([]);
  });

  it('leaves a failed message on the queue and handles it on redelivery', async () => {
    const attempts: Array<{ receiveCount: number; at: number }> = [];
    const worker = startTestWorker({
      queueUrl: h.queueUrl('retry'),
      sqs: h.sqs,
      taskProtection: new TaskProtection(undefined),
      handler: (message) => {
        attempts.push({ receiveCount: message.receiveCount, at: Date.now() });
        if (message.receiveCount === 1) throw new Error('upstream unavailable');
      },
    });

    await h.send('retry', [job('flaky')]);
    await waitFor(() => worker.ofType('deleted').length === 1, 'the retry to succeed');
    const summary = await worker.stop();

    expect(attempts.map((a) => a.receiveCount)).toEqual([1, 2]);
    // Not released: it came back when the queue's 1 s visibility timeout ran out.
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(worker.ofType('failed')[0]?.error.cause).toMatchObject({ message: 'upstream unavailable' });
    expect(worker.ofType('released')).toEqual([]);
    expect(worker.logs).toContainEqual(
      expect.objectContaining({ level: 'error', fields: expect.objectContaining({ receiveCount: 1 }) }),
    );
    expect(summary).toEqual({ received: 2, succeeded: 1, failed: 1 });
    expect(h.storage.queueDepth('retry')).toEqual(emptyQueue);
  });

  it('with releaseOnFailure, makes a failed message visible again at once', async () => {
    const attempts: number[] = [];
    const worker = startTestWorker({
      queueUrl: h.queueUrl('release'),
      sqs: h.sqs,
      releaseOnFailure: true,
      taskProtection: new TaskProtection(undefined),
      handler: (message) => {
        attempts.push(Date.now());
        if (message.receiveCount === 1) throw new Error('try again');
      },
    });

    await h.send('release', [job('again')]);
    await waitFor(() => worker.ofType('deleted').length === 1, 'the retry to succeed');
    await worker.stop();

    // The queue's visibility timeout is 30 s: only the release explains a retry this soon.
    expect((attempts[1] ?? Infinity) - (attempts[0] ?? 0)).toBeLessThan(2000);
    expect(worker.ofType('released')).toHaveLength(1);
    expect(worker.ofType('succeeded')[0]?.receiveCount).toBe(2);
  });

  it('extends visibility so a job longer than the timeout is not handed to a second worker', async () => {
    const handled: Array<{ worker: string; receiveCount: number }> = [];
    const protectionSeen: Record<string, boolean> = {};
    const start = (name: string, task: LocalTaskView) =>
      startTestWorker({
        queueUrl: h.queueUrl('long'),
        sqs: h.sqs,
        taskProtection: new TaskProtection(h.agentUriOf(task)),
        handler: async (message) => {
          handled.push({ worker: name, receiveCount: message.receiveCount });
          await sleep(2500);
          protectionSeen[name] = (await h.protectionOf(task.taskArn)).enabled;
          protectionSeen[name === 'A' ? 'B' : 'A'] = (
            await h.protectionOf((name === 'A' ? taskB : taskA).taskArn)
          ).enabled;
          await sleep(2500);
        },
      });
    const workers = [start('A', taskA), start('B', taskB)];

    await h.send('long', [job('slow')]);
    await waitFor(() => workers.some((w) => w.ofType('deleted').length === 1), 'the slow job', 15_000);
    const [a, b] = await Promise.all(workers.map((w) => w.stop()));

    const holder = handled[0]?.worker ?? '?';
    const extensions = workers.flatMap((w) => w.ofType('extended'));
    expect(handled).toEqual([{ worker: holder, receiveCount: 1 }]);
    expect((a?.received ?? 0) + (b?.received ?? 0)).toBe(1);
    expect(extensions.length).toBeGreaterThanOrEqual(3);
    expect(extensions.every((e) => e.visibilityTimeoutSeconds === 2)).toBe(true);
    expect(protectionSeen).toEqual({ A: holder === 'A', B: holder === 'B' });
    expect(h.storage.queueDepth('long')).toEqual(emptyQueue);
  });

  it('on stop, finishes and deletes the message in hand, then drops the protection', async () => {
    let stopRequested = false;
    let sawStopping = false;
    let finishedAt = 0;
    const worker = startTestWorker({
      queueUrl: h.queueUrl('stop'),
      sqs: h.sqs,
      taskProtection: new TaskProtection(h.agentUriOf(taskA)),
      handler: async (_message, { stopping }) => {
        await waitFor(() => stopRequested, 'the stop');
        await sleep(500);
        sawStopping = stopping.aborted;
        finishedAt = Date.now();
      },
    });

    await h.send('stop', [job('in-hand')]);
    await waitFor(() => worker.ofType('protected').length === 1, 'the protection');
    const stopping = worker.stop();
    stopRequested = true;
    await sleep(200);
    const protectedWhileFinishing = await h.protectionOf(taskA.taskArn);
    const summary = await stopping;
    const resolvedAt = Date.now();
    const after = await h.protectionOf(taskA.taskArn);

    expect(sawStopping).toBe(true);
    expect(protectedWhileFinishing.enabled).toBe(true);
    expect(resolvedAt).toBeGreaterThanOrEqual(finishedAt);
    expect(summary).toEqual({ received: 1, succeeded: 1, failed: 0 });
    expect(worker.events.map((e) => e.type)).toEqual([
      'started',
      'received',
      'protected',
      'stopping',
      'succeeded',
      'deleted',
      'unprotected',
      'stopped',
    ]);
    expect(after.enabled).toBe(false);
    expect(h.storage.queueDepth('stop')).toEqual(emptyQueue);
  });

  it('protects the task (from ECS_AGENT_URI) while working and not while idle', async () => {
    vi.stubEnv('ECS_AGENT_URI', h.agentUriOf(taskB));
    const during: Array<{ enabled: boolean; expiresAt: Date | undefined }> = [];
    const worker = startTestWorker({
      queueUrl: h.queueUrl('protect'),
      sqs: h.sqs,
      protectionMinutes: 5,
      handler: async () => {
        during.push(await h.protectionOf(taskB.taskArn));
      },
    });
    await waitFor(() => worker.ofType('started').length === 1, 'the worker');
    const idleBefore = await h.protectionOf(taskB.taskArn);

    await h.send('protect', [job('one')]);
    await waitFor(() => worker.ofType('unprotected').length === 1, 'the protection to be dropped');
    const idleAfter = await h.protectionOf(taskB.taskArn);
    await worker.stop();

    const expiresIn = (during[0]?.expiresAt?.getTime() ?? 0) - Date.now();
    expect(idleBefore.enabled).toBe(false);
    expect(during.map((d) => d.enabled)).toEqual([true]);
    expect(expiresIn).toBeGreaterThan(4.5 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(5 * 60_000);
    expect(idleAfter.enabled).toBe(false);
    expect(worker.ofType('protected')).toHaveLength(1);
  });

  it('keeps working when the task cannot be protected, and stops asking after TASK_NOT_VALID', async () => {
    const run = await h.ecsClient.send(
      new RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition: 'idle',
        networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
      }),
    );
    const standaloneId = run.tasks?.[0]?.taskArn?.split('/').pop() ?? '';
    const ids: string[] = [];
    const worker = startTestWorker({
      queueUrl: h.queueUrl('standalone'),
      sqs: h.sqs,
      taskProtection: new TaskProtection(`${h.ecs.endpoint}/api/${standaloneId}`),
      handler: (message) => {
        ids.push(idOf(message));
      },
    });

    await h.send('standalone', [job('first')]);
    await waitFor(() => worker.ofType('deleted').length === 1, 'the first message');
    await h.send('standalone', [job('second')]);
    await waitFor(() => worker.ofType('deleted').length === 2, 'the second message');
    await worker.stop();

    expect(ids).toEqual(['first', 'second']);
    expect(worker.ofType('error').map((e) => e.error)).toEqual([
      expect.objectContaining({ name: 'TaskProtectionError', code: 'TASK_NOT_VALID' }),
    ]);
    expect(worker.logs).toContainEqual(expect.objectContaining({ level: 'warn' }));
    expect(h.storage.queueDepth('standalone')).toEqual(emptyQueue);
  });

  it('without ECS_AGENT_URI, works with no protection calls at all', async () => {
    vi.stubEnv('ECS_AGENT_URI', '');
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const ids: string[] = [];
    const worker = startTestWorker({
      queueUrl: h.queueUrl('outside'),
      sqs: h.sqs,
      handler: (message) => {
        ids.push(idOf(message));
      },
    });

    await h.send('outside', [job('x'), job('y')]);
    await waitFor(() => ids.length === 2 && worker.ofType('deleted').length === 2, 'both messages');
    await worker.stop();

    expect(ids.sort()).toEqual(['x', 'y']);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(worker.ofType('started')[0]?.protectionAvailable).toBe(false);
    expect(worker.events.filter((e) => e.type === 'protected' || e.type === 'unprotected')).toEqual([]);
    expect(h.storage.queueDepth('outside')).toEqual(emptyQueue);
  });
});

describe('runWorker options and queue errors', () => {
  const handler = () => {};
  const base = {
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/q',
    handler,
    handleSignals: false,
  };

  it.each([
    ['a missing queueUrl', { ...base, queueUrl: undefined }, 'runWorker options.queueUrl', /required/],
    ['a queueUrl that is no URL', { ...base, queueUrl: 'my-queue' }, 'runWorker options.queueUrl', /URL/],
    ['a missing handler', { ...base, handler: undefined }, 'runWorker options.handler', /function/],
    ['maxMessages over 10', { ...base, maxMessages: 11 }, 'runWorker options.maxMessages', /1 to 10/],
    [
      'waitTimeSeconds over 20',
      { ...base, waitTimeSeconds: 21 },
      'runWorker options.waitTimeSeconds',
      /0 to 20/,
    ],
    ['a misspelt option', { ...base, maxMessage: 5 }, 'runWorker options.maxMessage', /unknown option/],
    [
      'protectionMinutes of 0',
      { ...base, protectionMinutes: 0 },
      'runWorker options.protectionMinutes',
      /1 to 2880/,
    ],
  ])('rejects %s, naming the key', async (_label, options, key, problem) => {
    const error = await runWorker(options as never).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WorkerConfigError);
    expect(error).toMatchObject({ key });
    expect((error as Error).message).toMatch(problem);
  });

  it('rejects with QueueError when the queue does not exist, and leaves no signal listener', async () => {
    const listeners = process.listenerCount('SIGTERM');
    const missing = `${h.storage.endpoint}/${ACCOUNT}/no-such-queue`;
    const quiet = { info() {}, warn() {}, error() {} };

    const fromAttributes = await runWorker({ queueUrl: missing, handler, sqs: h.sqs, logger: quiet }).catch(
      (e: unknown) => e,
    );
    const fromReceive = await runWorker({
      queueUrl: missing,
      handler,
      sqs: h.sqs,
      logger: quiet,
      visibilityTimeoutSeconds: 30,
    }).catch((e: unknown) => e);

    expect(fromAttributes).toBeInstanceOf(QueueError);
    expect(fromAttributes).toMatchObject({ operation: 'GetQueueAttributes', queueUrl: missing });
    expect(fromReceive).toMatchObject({ name: 'QueueError', operation: 'ReceiveMessage' });
    expect((fromReceive as Error).cause).toMatchObject({ $fault: 'client' });
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });
});

describe('TaskProtection', () => {
  it('enables, reads and disables protection through the agent endpoint', async () => {
    const protection = new TaskProtection(h.agentUriOf(taskA));

    const enabled = await protection.enable(3);
    const read = await protection.get();
    const viaApi = await h.protectionOf(taskA.taskArn);
    const disabled = await protection.disable();

    expect(enabled).toEqual({ enabled: true, expiresAt: expect.any(Date), taskArn: taskA.taskArn });
    expect(read).toEqual(enabled);
    expect(viaApi).toEqual({ enabled: true, expiresAt: enabled?.expiresAt });
    expect(disabled).toEqual({ enabled: false, taskArn: taskA.taskArn });
    expect((await h.protectionOf(taskA.taskArn)).enabled).toBe(false);
  });

  it('turns agent failures and errors into TaskProtectionError, and does nothing outside ECS', async () => {
    const run = await h.ecsClient.send(
      new RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition: 'idle',
        networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
      }),
    );
    const standaloneId = run.tasks?.[0]?.taskArn?.split('/').pop() ?? '';
    const standalone = new TaskProtection(`${h.ecs.endpoint}/api/${standaloneId}`);
    const unknown = new TaskProtection(`${h.ecs.endpoint}/api/${'e'.repeat(32)}`);

    const notValid = await standalone.enable().catch((e: unknown) => e);
    const missing = await unknown.get().catch((e: unknown) => e);
    const unreachable = await new TaskProtection('http://127.0.0.1:1/api/x').get().catch((e: unknown) => e);
    const badMinutes = await standalone.enable(2881).catch((e: unknown) => e);

    expect(notValid).toBeInstanceOf(TaskProtectionError);
    expect(notValid).toMatchObject({ operation: 'enable', code: 'TASK_NOT_VALID', status: 200 });
    expect(missing).toMatchObject({ operation: 'get', code: 'ResourceNotFoundException', status: 404 });
    expect(unreachable).toMatchObject({ operation: 'get', code: 'AgentUnreachable', status: undefined });
    expect(badMinutes).toMatchObject({ name: 'WorkerConfigError', key: 'expiresInMinutes' });
    expect(new TaskProtection(undefined).available).toBe(false);
    expect(await new TaskProtection(undefined).enable(5)).toBeUndefined();
    expect(TaskProtection.fromEnvironment({}).available).toBe(false);
    expect(() => new TaskProtection('169.254.170.2/api/x')).toThrow(WorkerConfigError);
  });
});

describe('examples/worker/main.ts', () => {
  it('as a process: handles messages, and on SIGTERM finishes the one in hand and exits 0', async () => {
    const worker = spawnExampleWorker(exampleWorkerEnv(h.storage, h.queueUrl('example-process')));
    const ids = ['p1', 'p2', 'p3', 'p4'];
    const doneLines = () => worker.output().match(/^worker: p\d done/gm)?.length ?? 0;

    await h.send('example-process', [
      job('p1', { ms: 50 }),
      job('p2', { ms: 50 }),
      job('p3'),
      job('p4', { ms: 1500 }),
    ]);
    await waitFor(
      () => doneLines() === 3 && h.storage.queueDepth('example-process').inFlight === 1,
      'three done and p4 received',
      15_000,
    );
    // SQS counts p4 in flight as soon as it answers the receive, possibly before the worker has
    // read the answer: that receive (the one right after a job, which does not wait) is never abandoned.
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    const results = await Promise.all(ids.map((id) => h.readResult(`worker-results/${id}.json`)));

    expect(code).toBe(0);
    expect(worker.output()).toContain('"reason":"SIGTERM"');
    for (const [index, id] of ids.entries()) {
      expect(results[index]).toEqual({
        id,
        receiveCount: 1,
        taskArn: `pid:${worker.child.pid}`,
        processedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }
    expect(Date.parse(String(results[3]?.processedAt))).toBeGreaterThan(signalledAt);
    expect(h.storage.queueDepth('example-process')).toEqual(emptyQueue);
  });

  it('as an ECS service task: a scale-in waits for the job in hand, then stops the task cleanly', async () => {
    const [task] = await waitFor(
      () => h.runningTasks('example').length === 1 && h.runningTasks('example'),
      'it',
    );
    const taskArn = task?.taskArn ?? '';
    await waitFor(() => h.logOf(taskArn).includes('"worker started"'), 'the worker to start', 15_000);

    await h.send('example-service', [job('s1', { ms: 2500 })]);
    await waitFor(async () => (await h.protectionOf(taskArn)).enabled, 'the task to protect itself');
    await h.ecsClient.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: 'example', desiredCount: 0 }),
    );
    await sleep(500);
    const whileWorking = h.ecs.tasks().find((t) => t.taskArn === taskArn);
    const stopped = await waitFor(
      () => h.taskEvents.find((e) => e.detail.taskArn === taskArn && e.detail.lastStatus === 'STOPPED'),
      'the task to stop',
      15_000,
    );
    const result = await h.readResult('worker-results/s1.json');

    expect(whileWorking).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING', protected: true });
    expect(stopped.detail).toMatchObject({ stopCode: 'ServiceSchedulerInitiated' });
    expect(stopped.detail.containers[0]?.exitCode).toBe(0);
    expect(result).toMatchObject({ id: 's1', receiveCount: 1, taskArn });
    expect(h.logOf(taskArn)).toContain('"reason":"SIGTERM"');
    expect(h.storage.queueDepth('example-service')).toEqual(emptyQueue);
  });
});
