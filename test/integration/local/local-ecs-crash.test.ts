import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LocalEcs, startLocalEcs } from '@stevedore/local';
import { afterEach, describe, expect, it } from 'vitest';

/*
 * A runtime killed with SIGKILL while its main thread was too busy to hear that its task's process had
 * started and ended (the spawner thread knew): started again on the same state dir, it reports the task
 * as it ended, exit 0, so the job succeeds and its work is not done a second time by a retry.
 */

const CHILD = fileURLToPath(new URL('./programs/unheard-task-child.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stateDir = '';
let restarted: LocalEcs | undefined;
afterEach(async () => {
  await restarted?.close();
  restarted = undefined;
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('a local ECS killed before it heard of its task process', () => {
  it('reports the task after a restart as it ended, from the spawner thread’s trail', async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-unheard-'));
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        STEVEDORE_TEST_STATE_DIR: stateDir,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (let waited = 0; !output.includes('task ended unheard'); waited += 100) {
      if (waited > 60_000 || child.exitCode !== null)
        throw new Error(`the child never ran its task: ${output}`);
      await sleep(100);
    }
    child.kill('SIGKILL');
    await exited;

    const stateFile = join(stateDir, 'ecs-tasks.jsonl');
    // A task's whole record, then its state at each later save (see task-record-file.ts).
    type Saved = { taskId: string; taskArn: string; lastStatus: string; pid?: number };
    const records = new Map<string, Saved>();
    for (const line of readFileSync(stateFile, 'utf8').split('\n').filter(Boolean)) {
      const { task, state } = JSON.parse(line) as { task?: Saved; state?: Omit<Saved, 'taskArn'> };
      if (task) records.set(task.taskId, task);
      const launched = state && records.get(state.taskId);
      if (state && launched) records.set(state.taskId, { taskArn: launched.taskArn, ...state });
    }
    // What the killed runtime's own record says: a task that never got past PENDING, with no process.
    const last = [...records.values()].at(-1);
    expect(last).toMatchObject({ lastStatus: 'PENDING' });
    expect(last?.pid).toBeUndefined();

    const events: Array<{
      detail: Record<string, unknown> & { containers: Array<Record<string, unknown>> };
    }> = [];
    restarted = await startLocalEcs({
      region: 'us-east-1',
      accountId: '111122223333',
      cluster: 'stevedore-local',
      taskDefinitions: [],
      logDir: join(stateDir, 'logs'),
      stateFile,
      baseEnv: {},
      onTaskStateChange: (event) => events.push(event as (typeof events)[number]),
      stepDelayMs: 10,
    });
    const stopped = events.find((event) => event.detail.taskArn === last?.taskArn);
    expect(stopped?.detail).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited' });
    expect(stopped?.detail.containers[0]).toMatchObject({ exitCode: 0 });
    // The work was done once, by the process the runtime never heard of.
    expect(readFileSync(join(stateDir, 'work.log'), 'utf8')).toBe('done\n');
  }, 120_000);
});
