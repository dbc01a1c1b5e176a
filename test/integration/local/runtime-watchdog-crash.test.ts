import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  awaitPreviousWatchdog,
  isAlive,
  type LocalEcs,
  previousWatchdog,
  startLocalEcs,
  WATCHDOG_FILE,
} from '@stevedore/local';
import { afterEach, describe, expect, it } from 'vitest';

/*
 * kill -9 of a runtime whose task had done its work: the watchdog, the task's parent, outlives the
 * runtime, stops the task as ECS would (SIGTERM, SIGKILL after its stopTimeout) and records how it
 * ended. A restart on the same state dir waits for the watchdog, then reports the task with that exit,
 * 0: its job succeeds and its work is not done a second time by a retry.
 */

const CHILD = fileURLToPath(new URL('./programs/watched-task-child.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stateDir = '';
let runtime: ChildProcess | undefined;
let restarted: LocalEcs | undefined;
afterEach(async () => {
  runtime?.kill('SIGKILL');
  runtime = undefined;
  await restarted?.close();
  restarted = undefined;
  const watchdog = stateDir ? previousWatchdog(stateDir) : undefined;
  if (watchdog) process.kill(watchdog.pid, 'SIGKILL');
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

/** Starts the runtime in a process of its own; resolves with its task's ARN once it runs. */
async function startRuntime(lingerMs: number): Promise<{ child: ChildProcess; taskArn: string }> {
  stateDir = mkdtempSync(join(tmpdir(), 'stevedore-watched-'));
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      STEVEDORE_TEST_STATE_DIR: stateDir,
      TASK_LINGER_MS: String(lingerMs),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  runtime = child;
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await until(() => workLog().includes('started'), `the runtime never started its task: ${output}`);
  const taskArn = /launched (\S+)/.exec(output)?.[1];
  if (!taskArn) throw new Error(`the runtime did not say which task it launched: ${output}`);
  return { child, taskArn };
}

async function killRuntime(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Starts a local ECS again on the state dir, once the killed runtime's watchdog is done; its events. */
async function restart(): Promise<Array<{ detail: Record<string, unknown> & { containers: unknown[] } }>> {
  const watchdog = previousWatchdog(stateDir);
  if (watchdog) expect(await awaitPreviousWatchdog(watchdog)).toBe(true);
  const events: Array<{ detail: Record<string, unknown> & { containers: unknown[] } }> = [];
  restarted = await startLocalEcs({
    region: 'us-east-1',
    accountId: '111122223333',
    cluster: 'stevedore-local',
    taskDefinitions: [],
    logDir: join(stateDir, 'logs'),
    stateFile: join(stateDir, 'ecs-tasks.jsonl'),
    baseEnv: {},
    onTaskStateChange: (event) => events.push(event as (typeof events)[number]),
    stepDelayMs: 10,
  });
  return events;
}

function workLog(): string {
  const path = join(stateDir, 'work.log');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The task's trail (see container-process.ts readProcessTrail): one task, so one trail. */
function trail(): string {
  const logDir = join(stateDir, 'logs');
  const name = readdirSync(logDir).find((file) => file.endsWith('.process'));
  return name ? readFileSync(join(logDir, name), 'utf8') : '';
}

async function until(condition: () => boolean, failure: string, timeoutMs = 60_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > timeoutMs) throw new Error(failure);
    await sleep(20);
  }
}

function taskPid(): number {
  return Number(/started (\d+)/.exec(workLog())?.[1]);
}

describe('a runtime killed with SIGKILL, its task stopped by the watchdog that spawned it', () => {
  it('a task between its done and its exit gets SIGTERM, exits 0, and is reported so after a restart', async () => {
    const { child, taskArn } = await startRuntime(300);

    writeFileSync(join(stateDir, 'go'), '');
    await until(() => workLog().includes('done'), 'the task never did its work');
    // The task lingers 300 ms after its work: the runtime dies in that window.
    await killRuntime(child);
    const events = await restart();

    expect(trail()).toMatch(/^exited 0$/m);
    const stopped = events.find((event) => event.detail.taskArn === taskArn);
    expect(stopped?.detail).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited' });
    expect(stopped?.detail.containers[0]).toMatchObject({ exitCode: 0 });
    expect(workLog().match(/^done /gm)).toHaveLength(1);
    expect(isAlive(taskPid())).toBe(false);
  }, 120_000);

  it('a task that exited while the runtime was frozen has its exit recorded by the watchdog', async () => {
    const { child, taskArn } = await startRuntime(0);

    // Frozen, the runtime hears of nothing: only the watchdog can reap the task and write its exit.
    child.kill('SIGSTOP');
    writeFileSync(join(stateDir, 'go'), '');
    await until(() => trail().includes('exited'), `no exit in the trail: ${trail()}`, 10_000);
    await killRuntime(child);
    const events = await restart();

    expect(trail()).toMatch(/^exited 0$/m);
    const stopped = events.find((event) => event.detail.taskArn === taskArn);
    expect(stopped?.detail.containers[0]).toMatchObject({ exitCode: 0 });
    expect(workLog().match(/^done /gm)).toHaveLength(1);
  }, 120_000);

  it('a task still at work when the runtime dies is stopped by SIGTERM and reported as it exited, 143', async () => {
    const { child, taskArn } = await startRuntime(0);

    await killRuntime(child);
    const events = await restart();

    expect(trail()).toMatch(/^exited 143$/m);
    const stopped = events.find((event) => event.detail.taskArn === taskArn);
    expect(stopped?.detail.containers[0]).toMatchObject({ exitCode: 143 });
    expect(workLog()).not.toContain('done');
    expect(isAlive(taskPid())).toBe(false);
  }, 120_000);
});

describe('a start waiting for the previous runtime’s watchdog', () => {
  /** A process that never exits, with `runtimeId` on its command line as a watchdog has. */
  function stuckProcess(runtimeId: string): ChildProcess {
    return spawn(
      process.execPath,
      ['-e', 'setInterval(() => {}, 1000)', 'STEVEDORE_LOCAL_RUNTIME', runtimeId],
      {
        stdio: 'ignore',
      },
    );
  }

  it('kills a watchdog that outlives the bound, and does not take a reused pid for one', async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-watched-'));
    const stuck = stuckProcess('runtime-a');
    const exited = new Promise((resolve) => stuck.once('exit', resolve));
    const pid = stuck.pid ?? 0;
    writeFileSync(join(stateDir, WATCHDOG_FILE), JSON.stringify({ pid, runtimeId: 'runtime-a' }));

    // The same pid, noted for another runtime: a pid reused by some other process, not waited for.
    const record = previousWatchdog(stateDir);
    writeFileSync(join(stateDir, WATCHDOG_FILE), JSON.stringify({ pid, runtimeId: 'runtime-b' }));
    expect(previousWatchdog(stateDir)).toBeUndefined();

    expect(record).toEqual({ pid, runtimeId: 'runtime-a' });
    const started = Date.now();
    expect(await awaitPreviousWatchdog(record ?? { pid, runtimeId: 'runtime-a' }, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    await exited;
    expect(isAlive(pid)).toBe(false);
  }, 30_000);
});
