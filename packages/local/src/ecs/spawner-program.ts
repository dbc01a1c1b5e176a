/*
 * The program that spawns task processes and stays their parent: the one process that always learns
 * how each ended, and writes it in the task's trail file. It runs in one of two hosts, and is written
 * once for both: a worker thread of the runtime (LocalEcs used alone, as tests do: see
 * container-process.ts), or the runtime's watchdog, a process that outlives it (see
 * runtime-watchdog.ts), so a task still running when the runtime is killed is stopped as ECS stops
 * one and its true exit code is still recorded.
 *
 * A string, run as CommonJS by `node -e` or an eval'd worker: no file to find once bundled into the CLI.
 * It defines `serveSpawns(send)`, where `send` carries a message back to the runtime, and returns
 * `{ spawn(request), stopAll() }`.
 */

/** What the runtime asks of the spawner: one process to start. */
export interface SpawnRequest {
  id: number;
  file: string;
  args: string[];
  cwd?: string | undefined;
  env: Record<string, string>;
  logFile: string;
  trailFile?: string | undefined;
  runtimeId?: string | undefined;
  /** Between SIGTERM and SIGKILL when the spawner itself must stop the process (its runtime died). */
  stopGraceMs?: number | undefined;
}

/** What the spawner reports of a request: started (with its pid), not started, or ended. */
export type SpawnerMessage =
  | { id: number; type: 'spawned'; pid: number }
  | { id: number; type: 'failed'; message: string; code?: string }
  | { id: number; type: 'exited'; exitCode: number };

export const SPAWNER_PROGRAM = `
const { spawn } = require('node:child_process');
const { appendFileSync, closeSync, mkdirSync, openSync } = require('node:fs');
const { constants } = require('node:os');
const { dirname } = require('node:path');

function serveSpawns(send) {
  // The processes spawned and not yet reaped, by request id.
  const live = new Map();
  const failed = (id, error) => send({ id, type: 'failed', message: error.message, code: error.code });
  // Best effort: a trail that cannot be written (a full disk) leaves the next start to assume the worst.
  const note = (trailFile, line) => {
    if (trailFile === undefined) return;
    try {
      appendFileSync(trailFile, line + '\\n');
    } catch {}
  };
  const signalGroup = (pid, signal) => {
    try {
      process.kill(-pid, signal);
    } catch {}
  };

  function spawnOne({ id, file, args, cwd, env, logFile, trailFile, runtimeId, stopGraceMs }) {
    let logFd;
    try {
      mkdirSync(dirname(logFile), { recursive: true });
      logFd = openSync(logFile, 'a');
    } catch (error) {
      return failed(id, error);
    }
    let child;
    try {
      child = spawn(file, args, { ...(cwd != null ? { cwd } : {}), env, stdio: ['ignore', logFd, logFd], detached: true });
    } catch (error) {
      closeSync(logFd);
      return failed(id, error);
    }
    // The child holds its own copies of the descriptor.
    closeSync(logFd);
    if (child.pid === undefined) {
      child.once('error', (error) => failed(id, error));
      return;
    }
    const pid = child.pid;
    note(trailFile, 'spawned ' + pid + (runtimeId ? ' ' + runtimeId : ''));
    let reaped;
    live.set(id, { pid, graceMs: stopGraceMs ?? 0, reaped: new Promise((done) => (reaped = done)) });
    child.once('spawn', () => send({ id, type: 'spawned', pid }));
    child.once('error', () => {});
    child.once('exit', (code, signal) => {
      const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
      note(trailFile, 'exited ' + exitCode);
      // A container's processes all end with it: take down whatever the leader left behind.
      signalGroup(pid, 'SIGKILL');
      live.delete(id);
      send({ id, type: 'exited', exitCode });
      reaped();
    });
  }

  // Stops every live process as ECS stops a task (SIGTERM to its group, SIGKILL after its grace);
  // resolves once each is reaped, so each exit is in its trail.
  function stopAll() {
    return Promise.all(
      [...live.values()].map(({ pid, graceMs, reaped }) => {
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        return reaped.then(() => clearTimeout(timer));
      }),
    );
  }

  return { spawn: spawnOne, stopAll };
}
`;
