import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SPAWNER_PROGRAM, type SpawnerMessage, type SpawnRequest } from './spawner-program';

/*
 * The local process standing in for a task's container. It is spawned without a shell, in its own
 * process group (detached), so signals reach everything it started, as they reach every process of
 * a container. Output goes straight to the task's log file.
 *
 * Spawning runs off the main thread: Node's spawn() blocks its thread until the child has exec'd,
 * tens of milliseconds on a busy machine, and on the main thread that stalls every handler of the
 * local runtime (a burst of launches spawns 20 processes a second: bench:burst's profile showed the
 * main thread blocked in spawn() for 14% of the run). The spawner program (spawner-program.ts) runs
 * in the runtime's watchdog when it has one, the parent that outlives it, or else in a worker thread.
 * It only spawns, reaps and reports; the process group is signalled from here (process.kill works on
 * any pid).
 */

export interface ContainerSpec {
  argv: readonly string[];
  cwd?: string;
  env: Record<string, string>;
  logFile: string;
  /**
   * Where the spawner itself notes the process's pid and, when it ends, its exit code (see
   * readProcessTrail): written there as they happen, so a runtime killed before it heard of them
   * still leaves them for the next start.
   */
  trailFile?: string;
  /** The runtime's mark in the process's environment, noted beside the pid (see runtime-watchdog.ts). */
  runtimeId?: string;
  /** Called as soon as the process is known to exist, before its start is reported (see runtime-watchdog.ts). */
  onSpawned?: (pid: number) => void;
  /**
   * Between SIGTERM and SIGKILL, should the spawner itself have to stop the process: its runtime died
   * and the watchdog hosting the spawner stops what it left (see runtime-watchdog.ts).
   */
  stopGraceMs?: number;
}

export type SpawnOutcome =
  | { started: true; pid: number; exited: Promise<number> }
  | { started: false; error: Error };

/** Where the spawner program runs, as seen from the runtime: a way to ask, and to be kept alive or not. */
export interface SpawnerLink {
  request(request: SpawnRequest): void;
  /** Keeps this process alive while a spawn or a process is pending. */
  ref(): void;
  /** Lets this process exit though the spawner still runs. */
  unref(): void;
}

/** What the spawner's host tells the runtime: a message of the program, or that the host is gone. */
export interface SpawnerEvents {
  message(message: SpawnerMessage): void;
  ended(error: Error): void;
}

interface Pending {
  resolve: (outcome: SpawnOutcome) => void;
  exited: Promise<number>;
  exit: (code: number) => void;
  pid?: number;
  onSpawned?: (pid: number) => void;
}

/**
 * The runtime's side of a spawner (see spawner-program.ts): sends spawn requests and turns the
 * reports into outcomes. The host is connected on first use, and again after it ended.
 */
export class ContainerSpawner {
  private link: SpawnerLink | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly connect: (events: SpawnerEvents) => SpawnerLink) {}

  /** Spawns the process; resolves once it runs (or could not be started). */
  spawn(spec: ContainerSpec): Promise<SpawnOutcome> {
    const [file, ...args] = spec.argv;
    if (file === undefined) return Promise.resolve({ started: false, error: new Error('empty command') });
    let link: SpawnerLink;
    try {
      link = this.connected();
    } catch (error) {
      return Promise.resolve({ started: false, error: error as Error });
    }
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
      link.ref();
      const { cwd, env, logFile, trailFile, runtimeId, stopGraceMs } = spec;
      link.request({ id, file, args, cwd, env, logFile, trailFile, runtimeId, stopGraceMs });
    });
  }

  private connected(): SpawnerLink {
    this.link ??= this.connect({
      message: (message) => this.settle(message),
      ended: (error) => this.fail(error),
    });
    return this.link;
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
      // The spawner has already killed whatever the leader left in its group (see spawner-program.ts).
      pending.exit(message.exitCode);
    }
    if (this.pending.size === 0) this.link?.unref();
  }

  /**
   * The host is gone: spawns in flight fail, and processes it watched are killed (nothing may run
   * unseen) and end as killed containers do, so their tasks stop.
   */
  private fail(error: Error): void {
    this.link = undefined;
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

/** The spawner thread's program: the spawner, answering over the thread's port. */
const SPAWNER_THREAD_SOURCE = `${SPAWNER_PROGRAM}
const { parentPort } = require('node:worker_threads');
const spawner = serveSpawns((message) => parentPort.postMessage(message));
parentPort.on('message', (request) => spawner.spawn(request));
`;

/** One spawner thread per process, started on first use; it keeps the process alive only while it has work. */
const threadSpawner = new ContainerSpawner((events) => {
  // No loader hooks (tsx) or profiler flags of this process: the thread runs plain CommonJS.
  const worker = new Worker(SPAWNER_THREAD_SOURCE, { eval: true, execArgv: [] });
  worker.on('message', (message: SpawnerMessage) => events.message(message));
  worker.on('error', (error) => events.ended(error));
  worker.on('exit', () => events.ended(new Error('the container spawner thread ended')));
  return {
    request: (request) => worker.postMessage(request),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
});

/**
 * Spawns the process, by the given spawner (the runtime's watchdog, which outlives it) or else by this
 * process's spawner thread; resolves once it runs (or could not be started).
 */
export function spawnContainer(
  spec: ContainerSpec,
  spawner: ContainerSpawner = threadSpawner,
): Promise<SpawnOutcome> {
  return spawner.spawn(spec);
}

/** What a container's trail file says of its process: the pid once spawned, the exit code once ended. */
export interface ProcessTrail {
  pid?: number;
  runtimeId?: string;
  exitCode?: number;
}

/**
 * Reads a trail file written by the spawner (see spawner-program.ts). A missing file, empty or torn
 * lines (a crash mid-write) say nothing, so the caller assumes the least it can: no process, or one
 * that never exited.
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
