import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';

/*
 * The local process standing in for a task's container. It is spawned without a shell, in its own
 * process group (detached), so signals reach everything it started, as they reach every process of
 * a container. Output goes straight to the task's log file.
 */

export interface ContainerSpec {
  argv: readonly string[];
  cwd?: string;
  env: Record<string, string>;
  logFile: string;
}

export type SpawnOutcome =
  | { started: true; child: ChildProcess; pid: number; exited: Promise<number> }
  | { started: false; error: Error };

/** Spawns the process; resolves once it runs (or could not be started). */
export function spawnContainer(spec: ContainerSpec): Promise<SpawnOutcome> {
  const [file, ...args] = spec.argv;
  if (file === undefined) return Promise.resolve({ started: false, error: new Error('empty command') });
  let logFd: number;
  try {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    logFd = openSync(spec.logFile, 'a');
  } catch (error) {
    return Promise.resolve({ started: false, error: error as Error });
  }
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
        env: spec.env,
        stdio: ['ignore', logFd, logFd],
        detached: true,
      });
    } catch (error) {
      closeSync(logFd);
      resolve({ started: false, error: error as Error });
      return;
    }
    // The child holds its own copies of the descriptor.
    closeSync(logFd);
    const exited = new Promise<number>((done) => {
      child.once('exit', (code, signal) => {
        // A container's processes all end with it: take down whatever the leader left behind.
        signalGroup(child.pid, 'SIGKILL');
        done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      });
    });
    child.once('spawn', () => resolve({ started: true, child, pid: child.pid ?? 0, exited }));
    child.once('error', (error) => {
      if (child.pid === undefined) resolve({ started: false, error });
    });
  });
}

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** True while a process exists (signal 0 probes without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
