import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/*
 * What makes every process `stevedore dev` starts die with it. Task containers run in process groups
 * of their own (so signals reach all they start), and DynamoDB Local is a child; neither would die with
 * a runtime killed by kill -9, of itself or of its whole process group, and the next start would then
 * meet tasks doing work it knows nothing of. So the runtime starts a small watchdog process in a
 * session of its own, tells it through a pipe which processes to end, and when that pipe closes (the
 * runtime exited, however it exited) the watchdog kills them all. Tasks also carry the runtime's id in
 * their environment, so a process that left its task's group is found too (Linux: /proc).
 */

/** The environment variable that marks a task process as started by one runtime. */
export const RUNTIME_ID_VARIABLE = 'STEVEDORE_LOCAL_RUNTIME';

const SCRIPT = fileURLToPath(new URL('./runtime-watchdog.mjs', import.meta.url));

/** The processes to end when the runtime ends, however it ends. */
export interface ProcessWatch {
  /** The value of RUNTIME_ID_VARIABLE in the environment of this runtime's tasks. */
  readonly runtimeId: string;
  /** A task's process group (its leader's pid), to kill if the runtime dies. */
  watchGroup(pid: number): void;
  /** One process (DynamoDB Local), to kill if the runtime dies. */
  watchProcess(pid: number): void;
  /** A group or process that ended: forgotten, so a reused pid is never killed. */
  forget(pid: number): void;
}

export class RuntimeWatchdog implements ProcessWatch {
  readonly runtimeId = randomUUID();
  private readonly child: ChildProcess;
  private closed = false;

  private constructor() {
    this.child = spawn(process.execPath, [SCRIPT, RUNTIME_ID_VARIABLE, this.runtimeId], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // Neither the watchdog nor its pipe may keep this process alive: it lives for as long as we do.
    this.child.unref();
    const stdin = this.child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null;
    stdin?.unref?.();
    stdin?.on('error', () => {
      // The watchdog died (someone killed it): tasks then end with a graceful stop only, and a start
      // after a crash settles whatever is left (TaskRunner.restore).
    });
  }

  /** Starts the watchdog of this runtime. */
  static start(): RuntimeWatchdog {
    return new RuntimeWatchdog();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  watchGroup(pid: number): void {
    this.send(`+${pid}`);
  }

  watchProcess(pid: number): void {
    this.send(`=${pid}`);
  }

  forget(pid: number): void {
    this.send(`-${pid}`);
  }

  /** Ends the watchdog: whatever is still listed is killed, so forget what ended first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin?.end();
  }

  private send(line: string): void {
    if (this.closed || !this.child.stdin?.writable) return;
    this.child.stdin.write(`${line}\n`);
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
