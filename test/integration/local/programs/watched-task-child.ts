import { join } from 'node:path';
import { RuntimeWatchdog } from '@stevedore/local';
import { launchOneTask } from './one-task-ecs';

/*
 * A local ECS in a process of its own with a real RuntimeWatchdog, as `stevedore dev` runs it: the
 * watchdog spawns the task's process. It runs one task, then waits for a test to kill it with SIGKILL;
 * the test reads what it left in its state dir. The task does its work (a `done` line in $WORK_LOG)
 * once $GO_FILE exists, lingers TASK_LINGER_MS, then exits 0; on SIGTERM it exits 0 if its work is
 * done, 143 if not, as a container should.
 */

const stateDir = process.env.STEVEDORE_TEST_STATE_DIR;
if (!stateDir) throw new Error('STEVEDORE_TEST_STATE_DIR must be set');

const TASK_PROGRAM = `
const { appendFileSync, existsSync } = require('node:fs');
let finished = false;
process.on('SIGTERM', () => process.exit(finished ? 0 : 143));
appendFileSync(process.env.WORK_LOG, 'started ' + process.pid + '\\n');
const go = setInterval(() => {
  if (!existsSync(process.env.GO_FILE)) return;
  clearInterval(go);
  appendFileSync(process.env.WORK_LOG, 'done ' + process.pid + '\\n');
  finished = true;
  setTimeout(() => process.exit(0), Number(process.env.TASK_LINGER_MS));
}, 10);
`;

const watchdog = RuntimeWatchdog.start();
watchdog.recordIn(stateDir);
await launchOneTask({
  stateDir,
  logDir: join(stateDir, 'logs'),
  program: TASK_PROGRAM,
  env: {
    WORK_LOG: join(stateDir, 'work.log'),
    GO_FILE: join(stateDir, 'go'),
    TASK_LINGER_MS: process.env.TASK_LINGER_MS ?? '0',
  },
  stopTimeout: 2,
  watch: watchdog,
});
