import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTasksCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { taskStateChangePattern } from '@stevedore/core/events';
import { TASK_STATUSES } from '@stevedore/core/job';
import {
  LOCAL_NETWORK_CONFIGURATION,
  type LocalEcs,
  type LocalEcsOptions,
  mayMatchPattern,
  startLocalEcs,
} from '@stevedore/local';
import { afterEach, describe, expect, it } from 'vitest';

/*
 * What the local ECS builds and what it keeps: an event is built only when something could receive
 * it (asked with the event's routing fields, which must be the event's own), and the state file it
 * leaves at any moment (all a kill -9 leaves) restores every task and clientToken seen outside, with
 * versions that follow every event delivered.
 */

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const CLUSTER = 'stevedore-local';
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
type TaskEvent = { detail: Record<string, unknown> & { containers: Array<Record<string, unknown>> } };

const dirs: string[] = [];
const running: LocalEcs[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((ecs) => ecs.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stevedore-ecs-state-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string, options: Partial<LocalEcsOptions> = {}) {
  const events: TaskEvent[] = [];
  const ecs = await startLocalEcs({
    region: REGION,
    accountId: ACCOUNT,
    cluster: CLUSTER,
    taskDefinitions: [
      {
        family: 'work',
        containerName: 'main',
        image: 'work:local',
        cpu: 256,
        memory: 512,
        architecture: 'x86_64',
        stopTimeout: 1,
        command: [process.execPath, '-e', 'setTimeout(() => process.exit(3), 100)'],
        env: {},
      },
    ],
    logDir: join(dir, 'logs'),
    stateFile: join(dir, 'ecs-tasks.jsonl'),
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    onTaskStateChange: (event) => events.push(event as TaskEvent),
    stepDelayMs: 10,
    throttling: false,
    ...options,
  });
  running.push(ecs);
  const client = new ECSClient({
    endpoint: ecs.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return { ecs, client, events };
}

const runWork = (client: ECSClient, clientToken: string) =>
  client.send(
    new RunTaskCommand({
      cluster: CLUSTER,
      taskDefinition: 'work',
      startedBy: 'job-1',
      clientToken,
      networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
      overrides: {
        containerOverrides: [{ name: 'main', environment: [{ name: 'S3_KEY', value: 'a b.csv' }] }],
      },
    }),
  );

async function waitFor<T>(probe: () => T | undefined, label: string): Promise<T> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${label}`);
}

/** Each routing member as the event has it: the same value, or absent when given as undefined. */
function disagreements(routing: Record<string, unknown>, event: Record<string, unknown>): string[] {
  const out: string[] = [];
  const compare = (given: Record<string, unknown>, actual: Record<string, unknown>, path: string) => {
    for (const [key, value] of Object.entries(given)) {
      if (key === 'detail') continue;
      const same =
        value === undefined ? !(key in actual) : JSON.stringify(actual[key]) === JSON.stringify(value);
      if (!same) out.push(`${path}${key}: ${JSON.stringify(value)} vs ${JSON.stringify(actual[key])}`);
    }
  };
  compare(routing, event, '');
  compare(routing.detail as Record<string, unknown>, event.detail as Record<string, unknown>, 'detail.');
  return out;
}

describe('local ECS task state changes', () => {
  it('asks with routing fields that are the event’s own, at every step', async () => {
    const asked: Record<string, unknown>[] = [];
    const { client, events } = await start(stateDir(), {
      wantsTaskStateChange: (routing) => asked.push(routing) > 0,
    });

    const taskArn = (await runWork(client, 'job-1:1')).tasks?.[0]?.taskArn;
    await waitFor(() => events.find((e) => e.detail.lastStatus === 'STOPPED'), 'STOPPED');

    expect(events.map((e) => e.detail.lastStatus)).toEqual([...TASK_STATUSES]);
    expect(asked).toHaveLength(events.length);
    events.forEach((event, step) => {
      expect(disagreements(asked[step] ?? {}, event as unknown as Record<string, unknown>)).toEqual([]);
    });
    expect(events[0]?.detail.taskArn).toBe(taskArn);
  });

  it('builds only the events a rule could receive', async () => {
    const pattern = taskStateChangePattern(CLUSTER_ARN);
    const { client, events } = await start(stateDir(), {
      wantsTaskStateChange: (routing) => mayMatchPattern(pattern, routing),
    });

    await runWork(client, 'job-1:1');
    const stopped = await waitFor(() => events.find((e) => e.detail.lastStatus === 'STOPPED'), 'STOPPED');

    expect(events.map((e) => [e.detail.lastStatus, e.detail.version])).toEqual([
      ['RUNNING', 4],
      ['STOPPED', 8],
    ]);
    expect(stopped.detail.containers[0]).toMatchObject({ exitCode: 3 });
  });
});

describe('local ECS state file', () => {
  it('restores, from what it held when each event was delivered, the task and its clientToken, and reports the end with a later version', async () => {
    const dir = stateDir();
    const pattern = taskStateChangePattern(CLUSTER_ARN);
    // What a kill -9 would leave: the file as it is when a handler gets each event.
    const crashes: Array<{ version: unknown; dir: string }> = [];
    const first = await start(dir, {
      wantsTaskStateChange: (routing) => mayMatchPattern(pattern, routing),
      onTaskStateChange: (event) => {
        const copy = stateDir();
        copyFileSync(join(dir, 'ecs-tasks.jsonl'), join(copy, 'ecs-tasks.jsonl'));
        crashes.push({ version: (event as TaskEvent).detail.version, dir: copy });
      },
    });
    const launched = await runWork(first.client, 'job-1:1');
    const taskArn = launched.tasks?.[0]?.taskArn ?? '';
    const answered = stateDir();
    copyFileSync(join(dir, 'ecs-tasks.jsonl'), join(answered, 'ecs-tasks.jsonl'));
    crashes.unshift({ version: 1, dir: answered });
    await waitFor(() => (crashes.length === 3 ? crashes : undefined), 'RUNNING and STOPPED delivered');

    for (const crash of crashes) {
      const again = await start(crash.dir);
      const retried = await runWork(again.client, 'job-1:1');
      const described = await again.client.send(
        new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }),
      );
      const task = described.tasks?.[0];
      const ended = again.events.find((e) => e.detail.taskArn === taskArn);

      expect(retried.tasks?.map((t) => t.taskArn)).toEqual([taskArn]);
      expect(again.ecs.tasks().map((t) => t.taskArn)).toEqual([taskArn]);
      expect(task?.lastStatus).toBe('STOPPED');
      if (crash.version === 8) {
        // It had ended: restored as it was, nothing reported again.
        expect(task).toMatchObject({ version: 8, stopCode: 'EssentialContainerExited' });
        expect(task?.containers?.[0]?.exitCode).toBe(3);
        expect(ended).toBeUndefined();
      } else {
        expect(ended?.detail.version).toBeGreaterThan(crash.version as number);
        expect(ended?.detail).toMatchObject({ lastStatus: 'STOPPED', startedBy: 'job-1' });
      }
      await again.ecs.close();
    }
  });

  it('writes a task whole once, then only what changes', async () => {
    const dir = stateDir();
    const { ecs, client, events } = await start(dir);

    await runWork(client, 'job-1:1');
    await waitFor(() => events.find((e) => e.detail.lastStatus === 'STOPPED'), 'STOPPED');
    await ecs.close();

    const lines = readFileSync(join(dir, 'ecs-tasks.jsonl'), 'utf8').trim().split('\n');
    const kinds = lines.map((line) => Object.keys(JSON.parse(line) as object)[0]);
    expect(kinds.filter((kind) => kind === 'task')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'token')).toHaveLength(1);
    const states = lines.filter((_, index) => kinds[index] === 'state');
    expect(states.length).toBeGreaterThan(0);
    for (const state of states) {
      expect(state).not.toContain('S3_KEY');
      expect(state).not.toContain('"definition"');
    }
  });
});
