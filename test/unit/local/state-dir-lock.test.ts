import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockStateDir, StateDirInUseError } from '@stevedore/local';
import { describe, expect, it } from 'vitest';

const stateDir = () => mkdtempSync(join(tmpdir(), 'lock-'));

describe('lockStateDir', () => {
  it('refuses while a live runtime holds the state dir, naming its pid', async () => {
    const dir = stateDir();
    // A live node process stands in for the other runtime.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise((resolve) => other.once('spawn', resolve));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: other.pid }));
    try {
      expect(() => lockStateDir(dir)).toThrow(StateDirInUseError);
      expect(() => lockStateDir(dir)).toThrow(`in use by another stevedore dev (pid ${other.pid})`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock left by a runtime that died, and releases only its own', async () => {
    const dir = stateDir();
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => dead.once('exit', resolve));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead.pid }));

    const lock = lockStateDir(dir);

    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(() => readFileSync(join(dir, LOCK_FILE))).toThrow(/ENOENT/);
  });
});
