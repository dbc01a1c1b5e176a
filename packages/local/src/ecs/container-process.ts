import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';

/*
 * The local process standing in for a task's container. It is spawned without a shell, in its own
 * process group (detached), so signals reach everything it started, as they reach every process of
 * a container. Output goes straight to the task's log file.
 *
 * Spawning runs on a worker thread: Node's spawn() blocks its thread until the child has exec'd,
 * tens of milliseconds on a busy machine, and on the main thread that stalls every handler of the
 * local runtime (a burst of launches spawns 20 processes a second: bench:burst's profile showed the
 * main thread blocked in spawn() for 14% of the run). The worker only spawns and reports; the
 * process group is signalled from here (process.kill works on any pid).
 */

export interface ContainerSpec {
  argv: readonly string[];
  cwd?: string;
  env: Record<string, string>;
  logFile: string;
  /**
   * Where the spawning thread itself notes the process's pid and, when it ends, its exit code (see
   * readProcessTrail): written there as they happen, so a runtime killed before it heard of them
   * still leaves them for the next start.
   */
  trailFile?: string;
  /** The runtime's mark in the process's environment, noted beside the pid (see runtime-watchdog.ts). */
  runtimeId?: string;
  /** Called as soon as the process is known to exist, before its start is reported (see runtime-watchdog.ts). */
  onSpawned?: (pid: number) => void;
}

export type SpawnOutcome =
  | { started: true; pid: number; exited: Promise<number> }
  | { started: false; error: Error };

/** What the spawner thread runs: CommonJS, as an eval'd worker is, with no file to find or bundle. */
const SPAWNER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { appendFileSync, closeSync, mkdirSync, openSync } = require('node:fs');
const { constants } = require('node:os');
const { dirname } = require('node:path');
const failed = (id, error) =>
  parentPort.postMessage({ id, type: 'failed', message: error.message, code: error.code });
// Best effort: a trail that cannot be written (a full disk) leaves the next start to assume the worst.
const note = (trailFile, line) => {
  if (trailFile === undefined) return;
  try {
    appendFileSync(trailFile, line + '\\n');
  } catch {}
};
parentPort.on('message', ({ id, file, args, cwd, env, logFile, trailFile, runtimeId }) => {
  let logFd;
  try {
    mkdirSync(dirname(logFile), { recursive: true });
    logFd = openSync(logFile, 'a');
  } catch (error) {
    return failed(id, error);
  }
  let child;
  try {
    child = spawn(file, args, { ...(cwd !== undefined ? { cwd } : {}), env, stdio: ['ignore', logFd, logFd], detached: true });
  } catch (error) {
    closeSync(logFd);
    return failed(id, error);
  }
  // The child holds its own copies of the descriptor.
  closeSync(logFd);
  if (child.pid !== undefined) note(trailFile, 'spawned ' + child.pid + (runtimeId ? ' ' + runtimeId : ''));
  child.once('spawn', () => parentPort.postMessage({ id, type: 'spawned', pid: child.pid }));
  child.once('error', (error) => {
    if (child.pid === undefined) failed(id, error);
  });
  child.once('exit', (code, signal) => {
    const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
    note(trailFile, 'exited ' + exitCode);
    parentPort.postMessage({ id, type: 'exited', exitCode });
  });
});
`;

type SpawnerMessage =
  | { id: number; type: 'spawned'; pid: number }
  | { id: number; type: 'failed'; message: string; code?: string }
  | { id: number; type: 'exited'; exitCode: number };

interface Pending {
  resolve: (outcome: SpawnOutcome) => void;
  exited: Promise<number>;
  exit: (code: number) => void;
  pid?: number;
  onSpawned?: (pid: number) => void;
}

/** One spawner thread per process, started on first use; it keeps the process alive only while it has work. */
class Spawner {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  spawn(spec: ContainerSpec & { file: string; args: string[] }): Promise<SpawnOutcome> {
    const worker = this.started();
    const id = this.nextId++;
    let exit: (code: number) => void = () => {};
    const exited = new Promise<number>((done) => {
      exit = done;
    });
    return new Promise((resolve) => {
      this.pending.set(id, {
        resolve,
        exited,
        exit,
        ...(spec.onSpawned ? { onSpawned: spec.onSpawned } : {}),
      });
      worker.ref();
      const { file, args, cwd, env, logFile, trailFile, runtimeId } = spec;
      worker.postMessage({ id, file, args, cwd, env, logFile, trailFile, runtimeId });
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    // No loader hooks (tsx) or profiler flags of this process: the thread runs plain CommonJS.
    const worker = new Worker(SPAWNER_SOURCE, { eval: true, execArgv: [] });
    worker.on('message', (message: SpawnerMessage) => this.settle(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', () => this.fail(new Error('the container spawner thread ended')));
    this.worker = worker;
    return worker;
  }

  private settle(message: SpawnerMessage): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'spawned') {
      pending.pid = message.pid;
      pending.onSpawned?.(message.pid);
      pending.resolve({ started: true, pid: message.pid, exited: pending.exited });
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'failed') {
      const error = Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
      pending.resolve({ started: false, error });
    } else {
      // A container's processes all end with it: take down whatever the leader left behind.
      signalGroup(pending.pid, 'SIGKILL');
      pending.exit(message.exitCode);
    }
    if (this.pending.size === 0) this.worker?.unref();
  }

  /**
   * The thread is gone: spawns in flight fail, and processes it watched are killed (nothing may run
   * unseen) and end as killed containers do, so their tasks stop.
   */
  private fail(error: Error): void {
    this.worker = undefined;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      if (pending.pid === undefined) {
        pending.resolve({ started: false, error });
      } else {
        signalGroup(pending.pid, 'SIGKILL');
        pending.exit(128 + (constants.signals.SIGKILL ?? 9));
      }
    }
  }
}

const spawner = new Spawner();

/** Spawns the process; resolves once it runs (or could not be started). */
export function spawnContainer(spec: ContainerSpec): Promise<SpawnOutcome> {
  const [file, ...args] = spec.argv;
  if (file === undefined) return Promise.resolve({ started: false, error: new Error('empty command') });
  return spawner.spawn({ ...spec, file, args });
}

/** What a container's trail file says of its process: the pid once spawned, the exit code once ended. */
export interface ProcessTrail {
  pid?: number;
  runtimeId?: string;
  exitCode?: number;
}

/**
 * Reads a trail file written by the spawner thread. A missing file, empty or torn lines (a crash
 * mid-write) say nothing, so the caller assumes the least it can: no process, or one that never exited.
 */
export function readProcessTrail(trailFile: string): ProcessTrail {
  let text: string;
  try {
    text = readFileSync(trailFile, 'utf8');
  } catch (error) {
    // No trail: the process was never started. Any other failure to read the state dir is not hidden.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const trail: ProcessTrail = {};
  for (const line of text.split('\n')) {
    const [what, value, runtimeId] = line.split(' ');
    const number = Number(value);
    if (value === undefined || value === '' || !Number.isInteger(number)) continue;
    if (what === 'spawned' && number > 0) {
      trail.pid = number;
      if (runtimeId) trail.runtimeId = runtimeId;
    } else if (what === 'exited' && number >= 0) {
      trail.exitCode = number;
    }
  }
  return trail;
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
