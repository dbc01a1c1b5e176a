import { closeSync, linkSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './ecs/container-process';
import { LocalRuntimeError, StateDirWriteError } from './errors';

/*
 * One runtime per state dir: two would share one DynamoDB data directory, one event journal and one
 * endpoints.json, and each would take the other's work for its own. The lock is a file holding the
 * holder's pid, created whole and linked into place (link fails if the name exists, atomically). A
 * lock whose pid is dead was left by a runtime that crashed: it is taken over.
 */

/** The lock's name in the state dir. */
export const LOCK_FILE = 'runtime.lock';

/** Another live runtime holds the state dir. */
export class StateDirInUseError extends LocalRuntimeError {
  override name = 'StateDirInUseError';
  readonly pid: number;

  constructor(stateDir: string, pid: number, options?: ErrorOptions) {
    super(
      `${stateDir} is in use by another stevedore dev (pid ${pid}); stop it first, or pass another --state-dir`,
      options,
    );
    this.pid = pid;
  }
}

export interface StateDirLock {
  /** Removes the lock, if it is still ours. */
  release(): void;
}

/** Takes the state dir's lock; throws StateDirInUseError when a live runtime holds it. */
export function lockStateDir(stateDir: string): StateDirLock {
  const path = join(stateDir, LOCK_FILE);
  const mine = `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`;
  const partial = `${path}.${process.pid}.partial`;
  try {
    const fd = openSync(partial, 'w');
    writeSync(fd, mine);
    closeSync(fd);
  } catch (error) {
    throw StateDirWriteError.from(error, stateDir);
  }
  try {
    // Twice at most: a stale lock is removed once, then the link must win or someone else did.
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(partial, path);
        return { release: () => releaseIfMine(path, mine) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
          throw StateDirWriteError.from(error, stateDir);
      }
      const holder = holderOf(path);
      if (holder !== undefined && holder !== process.pid && isRuntime(holder)) {
        throw new StateDirInUseError(stateDir, holder);
      }
      if (attempt > 0) throw new StateDirInUseError(stateDir, holder ?? 0);
      // Left by a runtime that died (or unreadable, torn by a crash): take it over.
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(partial, { force: true });
  }
}

function holderOf(path: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a live process that could be a runtime: alive, and (where /proc tells) a node
 * process, so a dead runtime's pid reused by some other program does not hold the state dir forever.
 */
function isRuntime(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return /node|stevedore|tsx/.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return true;
  }
}

function releaseIfMine(path: string, mine: string): void {
  try {
    if (readFileSync(path, 'utf8') === mine) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}
