import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalRuntimeError } from '../errors';
import { ContainerSpawner, type SpawnerEvents, type SpawnerLink } from './container-process';
import { SPAWNER_PROGRAM, type SpawnerMessage, type SpawnRequest } from './spawner-program';

/*
 * What makes every process `stevedore dev` starts end with it, and end well. Task containers run in
 * process groups of their own (so signals reach all they start), and DynamoDB Local is a child; neither
 * would die with a runtime killed by kill -9, of itself or of its whole process group, and the next
 * start would then meet tasks doing work it knows nothing of. So the runtime starts a watchdog process
 * in a session of its own, and the watchdog is the parent of the task processes, as containerd's shim
 * outlives containerd: it spawns them (see spawner-program.ts), so it always reaps them and writes each
 * one's true exit code in its trail, even after the runtime is gone. One watchdog per runtime, not one
 * per task: a Node process per task costs ~40 ms of CPU, too much for 20 launches a second.
 *
 * When its IPC channel closes (the runtime exited, however it exited) the watchdog stops every task as
 * ECS does (SIGTERM to its group, SIGKILL after its stopTimeout, capped at 5 s), waits until each is
 * reaped, then kills DynamoDB Local and every process carrying the runtime's id in its environment (a
 * task's child that left its group; Linux: /proc), and exits. A task that finished its work and
 * handles SIGTERM thus exits 0, and the next start reports it so: its job is not run again. That start
 * waits for the watchdog first (see awaitPreviousWatchdog), so it reads the trails once they are final.
 */

/** The environment variable that marks a task process as started by one runtime. */
export const RUNTIME_ID_VARIABLE = 'STEVEDORE_LOCAL_RUNTIME';

/** In the state dir: the watchdog of the runtime that last started there (see awaitPreviousWatchdog). */
export const WATCHDOG_FILE = 'runtime-watchdog.json';

/** How long a start waits for a previous runtime's watchdog to stop that runtime's tasks (grace ≤ 5 s). */
export const PREVIOUS_WATCHDOG_WAIT_MS = 10_000;

/** What the runtime sends the watchdog, besides spawn requests: processes to end if it dies. */
type WatchMessage =
  | { type: 'spawn'; request: SpawnRequest }
  /** A task's process group (one not spawned by the watchdog), to kill if the runtime dies. */
  | { type: 'group'; pid: number }
  /** One process (DynamoDB Local), to kill if the runtime dies. */
  | { type: 'process'; pid: number }
  /** That group or process ended: forget it, so a reused pid is never killed. */
  | { type: 'forget'; pid: number };

/*
 * The watchdog's program, run with `node -e`: a string, not a file beside this one, so it is found
 * wherever this module ends up (bundled into the CLI, a file path relative to it would point into
 * dist/, where there is none). Its arguments: the marker variable's name and the runtime's id (so
 * /proc/<pid>/cmdline tells a start that this is the watchdog it waits for). It hears the runtime over
 * an IPC channel; when that closes, it stops what the runtime left, as described above.
 */
const WATCHDOG_SOURCE = `${SPAWNER_PROGRAM}
const { readdirSync, readFileSync } = require('node:fs');
const marker = (process.argv[1] ?? '') + '=' + (process.argv[2] ?? '');
const groups = new Set();
const processes = new Set();
const kill = (pid) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
};
// Pids whose environment holds the runtime's marker (Linux; elsewhere none).
const markedProcesses = () => {
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found = [];
  for (const entry of entries) {
    if (!/^\\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync('/proc/' + entry + '/environ', 'latin1').split('\\0');
      if (environ.includes(marker)) found.push(Number(entry));
    } catch {}
  }
  return found;
};
// Reports go nowhere once the runtime is gone; the trails still get every exit.
const spawner = serveSpawns((message) => {
  if (process.connected) process.send(message, () => {});
});
process.on('message', (message) => {
  if (message.type === 'spawn') return spawner.spawn(message.request);
  const pid = message.pid;
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (message.type === 'group') groups.add(pid);
  else if (message.type === 'process') processes.add(pid);
  else if (message.type === 'forget') groups.delete(pid), processes.delete(pid);
});
process.on('disconnect', async () => {
  await spawner.stopAll();
  for (const pid of groups) kill(-pid);
  for (const pid of processes) kill(pid);
  if (marker.length > 1) for (const pid of markedProcesses()) kill(pid);
  process.exit(0);
});
`;

/** The processes to end when the runtime ends, however it ends. */
export interface ProcessWatch {
  /** The value of RUNTIME_ID_VARIABLE in the environment of this runtime's tasks. */
  readonly runtimeId: string;
  /**
   * Spawns the task processes as their parent, when the watch is a process that outlives the runtime:
   * it then stops them itself, and records how they ended, if the runtime dies.
   */
  readonly spawner?: ContainerSpawner;
  /** A task's process group (its leader's pid), to kill if the runtime dies. */
  watchGroup(pid: number): void;
  /** One process (DynamoDB Local), to kill if the runtime dies. */
  watchProcess(pid: number): void;
  /** A group or process that ended: forgotten, so a reused pid is never killed. */
  forget(pid: number): void;
}

export class RuntimeWatchdog implements ProcessWatch {
  readonly runtimeId = randomUUID();
  readonly spawner: ContainerSpawner;
  private readonly child: ChildProcess;
  private closed = false;

  private constructor() {
    // No flags of this process (a loader such as tsx, a profiler): the watchdog is plain CommonJS.
    this.child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, RUNTIME_ID_VARIABLE, this.runtimeId], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    // Neither the watchdog nor its channel may keep this process alive while it is idle: it lives for
    // as long as we do. The spawner holds the channel while a spawn or a task process is pending.
    this.child.unref();
    this.child.channel?.unref();
    this.child.on('error', () => {
      // The watchdog died (someone killed it): its channel closes too, and the spawner hears of it.
      // Tasks then end with a graceful stop only, and a start after a crash settles whatever is left
      // (TaskRunner.restore).
    });
    this.spawner = new ContainerSpawner((events) => this.spawnerLink(events));
  }

  /** Starts the watchdog of this runtime. */
  static start(): RuntimeWatchdog {
    return new RuntimeWatchdog();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  watchGroup(pid: number): void {
    this.send({ type: 'group', pid });
  }

  watchProcess(pid: number): void {
    this.send({ type: 'process', pid });
  }

  forget(pid: number): void {
    this.send({ type: 'forget', pid });
  }

  /**
   * Notes this watchdog in the state dir, so a start after this runtime dies waits for it to finish
   * stopping the tasks (see awaitPreviousWatchdog). Written whole, then renamed into place.
   */
  recordIn(stateDir: string): void {
    const path = join(stateDir, WATCHDOG_FILE);
    writeFileSync(`${path}.partial`, `${JSON.stringify({ pid: this.pid, runtimeId: this.runtimeId })}\n`);
    renameSync(`${path}.partial`, path);
  }

  /** Ends the watchdog: whatever is still listed or running is stopped, so stop tasks first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.child.connected) this.child.disconnect();
  }

  private send(message: WatchMessage): void {
    if (this.closed || !this.child.connected) return;
    // A send that fails means the watchdog is gone: its channel's disconnect says so to the spawner.
    this.child.send(message, () => {});
  }

  /** The spawner's way to the watchdog: one channel, for as long as the watchdog lives. */
  private spawnerLink(events: SpawnerEvents): SpawnerLink {
    if (this.closed || !this.child.connected) throw new LocalRuntimeError('the runtime watchdog has ended');
    this.child.on('message', (message: SpawnerMessage) => events.message(message));
    this.child.once('disconnect', () => events.ended(new LocalRuntimeError('the runtime watchdog ended')));
    return {
      request: (request) => this.send({ type: 'spawn', request }),
      ref: () => this.child.channel?.ref(),
      unref: () => this.child.channel?.unref(),
    };
  }
}

/** A runtime's watchdog, as noted in the state dir. */
export interface WatchdogRecord {
  pid: number;
  runtimeId: string;
}

/**
 * The watchdog of the runtime that last used the state dir, if it still runs: a runtime that was
 * killed, whose watchdog is still stopping its tasks. Alive is not enough: its command line must hold
 * that runtime's id, so a pid reused by another process is not taken for it (Linux: /proc; elsewhere
 * none is found, and a start does not wait).
 */
export function previousWatchdog(stateDir: string): WatchdogRecord | undefined {
  let record: Partial<WatchdogRecord>;
  try {
    record = JSON.parse(readFileSync(join(stateDir, WATCHDOG_FILE), 'utf8')) as Partial<WatchdogRecord>;
  } catch {
    // None, or torn by a crash while it was written: nothing to wait for.
    return undefined;
  }
  const { pid, runtimeId } = record;
  if (typeof pid !== 'number' || typeof runtimeId !== 'string') return undefined;
  return isWatchdogOf(pid, runtimeId) ? { pid, runtimeId } : undefined;
}

/**
 * Waits for a previous runtime's watchdog to exit, having stopped that runtime's tasks and recorded
 * their exits, at most `timeoutMs`; past that it is killed, and what it had not recorded the next
 * start assumes killed (137). Resolves true when it exited by itself.
 */
export async function awaitPreviousWatchdog(
  watchdog: WatchdogRecord,
  timeoutMs = PREVIOUS_WATCHDOG_WAIT_MS,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isWatchdogOf(watchdog.pid, watchdog.runtimeId)) {
    if (Date.now() >= deadline) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        // Gone just now.
      }
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** True while `pid` runs the watchdog of the given runtime (a zombie's empty command line is not). */
function isWatchdogOf(pid: number, runtimeId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').includes(runtimeId);
  } catch {
    return false;
  }
}

/** True when `pid` runs with the given runtime's id in its environment (Linux; false where /proc is missing). */
export function isProcessOfRuntime(pid: number, runtimeId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .includes(`${RUNTIME_ID_VARIABLE}=${runtimeId}`);
  } catch {
    return false;
  }
}
