/*
 * The watchdog of one `stevedore dev` (see runtime-watchdog.ts). It runs in its own session, so a
 * kill -9 of the runtime's process group or a closed terminal does not reach it, and reads its stdin,
 * a pipe from the runtime:
 *   +<pid>   a task's process group, to kill if the runtime dies
 *   -<pid>   that group ended, forget it
 *   =<pid>   one process (DynamoDB Local), to kill if the runtime dies
 * The pipe closes when the runtime exits, however it exits. Then every process still listed is killed,
 * and so is every process carrying the runtime's id in its environment (a task's child that left its
 * group), found under /proc where there is one. Plain JavaScript: node runs it without a loader.
 */
import { readdirSync, readFileSync } from 'node:fs';

const marker = `${process.argv[2] ?? ''}=${process.argv[3] ?? ''}`;
const groups = new Set();
const processes = new Set();
let buffered = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\n');
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

function kill(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Pids whose environment holds the runtime's marker (Linux; elsewhere none). */
function markedProcesses() {
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (environ.includes(marker)) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}
