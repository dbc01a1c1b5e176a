import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchOneTask } from './one-task-ecs';

/*
 * A local ECS in a process of its own whose main thread is busy when its task's process starts and
 * ends, as a runtime under a burst is: the spawner thread reports the pid, and the main thread (here,
 * in the watch's callback) does not get to record it, nor the exit, before a test kills it with
 * SIGKILL. Everything else is the real endpoint; the test reads what it left in its state dir.
 */

const stateDir = process.env.STEVEDORE_TEST_STATE_DIR;
if (!stateDir) throw new Error('STEVEDORE_TEST_STATE_DIR must be set');
const logDir = join(stateDir, 'logs');

const watch = {
  runtimeId: 'unheard-task-child',
  watchGroup() {
    // Busy until the task's process has ended, then frozen for the kill: the runtime hears of neither.
    const ended = () =>
      readdirSync(logDir).some(
        (name) => name.endsWith('.process') && readFileSync(join(logDir, name), 'utf8').includes('exited'),
      );
    while (!ended()) {}
    process.stdout.write('task ended unheard\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  },
  watchProcess() {},
  forget() {},
};

await launchOneTask({
  stateDir,
  logDir,
  // Notes that it did its work, then exits 0.
  program: `require('node:fs').appendFileSync(process.env.WORK_LOG, 'done\\n')`,
  env: { WORK_LOG: join(stateDir, 'work.log') },
  stopTimeout: 1,
  watch,
});
