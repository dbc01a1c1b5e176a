import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

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

/*
 * The watchdog's program, run with `node -e`: a string, not a file beside this one, so it is found
 * wherever this module ends up (bundled into the CLI, a file path relative to it would point into
 * dist/, where there is none). It reads its stdin, a pipe from the runtime:
 *   +<pid>   a task's process group, to kill if the runtime dies
 *   -<pid>   that group ended, forget it
 *   =<pid>   one process (DynamoDB Local), to kill if the runtime dies
 * The pipe closes when the runtime exits, however it exits. Then every process still listed is killed,
 * and so is every process carrying the runtime's id in its environment (a task's child that left its
 * group), found under /proc where there is one. Its arguments: the variable's name and the id.
 */
const WATCHDOG_SOURCE = `
const { readdirSync, readFileSync } = require('node:fs');
const marker = (process.argv[1] ?? '') + '=' + (process.argv[2] ?? '');
const groups = new Set();
const processes = new Set();
let buffered = '';
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
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\\n');
  buffered = lines.pop() ?? '';
  for (const line of lines) {
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') groups.add(pid);
    else if (line[0] === '-') groups.delete(pid);
    else if (line[0] === '=') processes.add(pid);
  }
});
process.stdin.on('close', () => {
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
    // No flags of this process (a loader such as tsx, a profiler): the watchdog is plain CommonJS.
    this.child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, RUNTIME_ID_VARIABLE, this.runtimeId], {
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
