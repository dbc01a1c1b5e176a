import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { isAlive } from '@stevedore/local';
import { describe, expect, it } from 'vitest';
import {
  type DevProcess,
  eventually,
  jobsOf,
  processesUsing,
  runCli,
  startDev,
} from '../support/dev-process';

/*
 * `stevedore dev` where things go wrong around it: a second runtime on the same state dir, a closed
 * terminal (SIGHUP), DynamoDB Local dying under it, a state dir it cannot write.
 */

const CONFIG = 'test/e2e/configs/crash.config.ts';

/** Pids of the work tasks that started, from the work log the crash config's task writes. */
function startedTasks(workLog: string): number[] {
  if (!existsSync(workLog)) return [];
  return readFileSync(workLog, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('started '))
    .map((line) => Number(line.split(' ')[3]));
}

/** A runtime whose one task works for ten minutes, once that task has started. */
async function runningLongTask(name: string): Promise<{ dev: DevProcess; taskPid: number }> {
  const stateDir = mkdtempSync(join(tmpdir(), `stevedore-${name}-`));
  const workLog = `${stateDir}-work.log`;
  const dev = await startDev({
    config: CONFIG,
    stateDir,
    env: { E2E_WORK_LOG: workLog, E2E_WORK_MS: '600000' },
    timeoutMs: 180_000,
  });
  await dev.s3.send(new PutObjectCommand({ Bucket: 'e2e-crash', Key: 'in/long.bin', Body: 'x' }));
  const [taskPid] = await eventually(
    async () => (startedTasks(workLog).length > 0 ? startedTasks(workLog) : undefined),
    60_000,
    'the task to start',
  );
  return { dev, taskPid: taskPid ?? 0 };
}

/** Waits until neither the task nor DynamoDB Local (found by the state dir in its command line) runs. */
async function nothingLeftOf(dev: DevProcess, taskPid: number): Promise<void> {
  await eventually(
    async () => (!isAlive(taskPid) && processesUsing(dev.stateDir).length === 0 ? true : undefined),
    15_000,
    'the task and DynamoDB Local to be gone',
  );
}

describe('stevedore dev robustness', () => {
  it('refuses a second runtime on the same state dir, naming the pid that holds it', async () => {
    const dev = await startDev({ config: CONFIG, timeoutMs: 180_000 });
    try {
      const second = await runCli(['dev', '--config', CONFIG, '--state-dir', dev.stateDir, '--port', '0']);

      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`in use by another stevedore dev (pid ${dev.child.pid})`);
      // The first one still serves, and still owns its endpoints.json.
      const endpoints = JSON.parse(readFileSync(join(dev.stateDir, 'endpoints.json'), 'utf8'));
      expect(endpoints.pid).toBe(dev.child.pid);
    } finally {
      await dev.stop();
    }
  }, 180_000);

  it('stops everything on SIGHUP (a closed terminal), as on Ctrl-C: no task and no DynamoDB Local left', async () => {
    const { dev, taskPid } = await runningLongTask('hup');

    if (dev.child.pid) process.kill(-dev.child.pid, 'SIGHUP');
    const code = await new Promise((resolve) => dev.child.once('exit', resolve));

    expect(code).toBe(0);
    expect(dev.output()).toContain('SIGHUP: stopping');
    await nothingLeftOf(dev, taskPid);
  }, 180_000);

  it('kill -9 of its process group: the watchdog ends its ten-minute task and DynamoDB Local with it', async () => {
    const { dev, taskPid } = await runningLongTask('kill9');

    // Nothing of the runtime runs any code after this: only its watchdog, in a session of its own, acts.
    await dev.kill9();

    await nothingLeftOf(dev, taskPid);
  }, 180_000);

  it('notices DynamoDB Local dying and starts it again: events wait for it instead of being dead-lettered', async () => {
    const dev = await startDev({ config: CONFIG, env: { E2E_WORK_MS: '0' }, timeoutMs: 180_000 });
    try {
      const java = processesUsing(dev.stateDir).filter((pid) => pid !== dev.child.pid);
      expect(java).toHaveLength(1);
      process.kill(java[0] ?? 0, 'SIGKILL');

      await dev.s3.send(new PutObjectCommand({ Bucket: 'e2e-crash', Key: 'in/after.bin', Body: 'x' }));

      const job = await eventually(
        async () => (await jobsOf(dev, 'work')).find((j) => j.state === 'SUCCEEDED'),
        120_000,
        'a SUCCEEDED job for the object uploaded while DynamoDB Local was down',
      );
      expect(job.input.S3_KEY).toBe('in/after.bin');
      expect(dev.output()).toContain('DynamoDB Local exited unexpectedly');
      expect(existsSync(join(dev.stateDir, 'dead-letters.jsonl'))).toBe(false);
    } finally {
      await dev.stop();
    }
  }, 240_000);

  it('says it cannot write to a read-only state dir', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'stevedore-ro-'));
    const stateDir = join(parent, 'state');
    mkdirSync(stateDir);
    // Root writes through file modes: a read-only mount is the real thing there.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', stateDir]);
      if (mounted.status !== 0) return; // no mount privilege here: nothing to check with
    } else {
      chmodSync(stateDir, 0o555);
    }
    try {
      const result = await runCli(['dev', '--config', CONFIG, '--state-dir', stateDir, '--port', '0']);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`cannot write to ${stateDir}.*(read-only|permission denied)`));
    } finally {
      if (asRoot) spawnSync('umount', [stateDir]);
      else chmodSync(stateDir, 0o755);
    }
  }, 120_000);
});
