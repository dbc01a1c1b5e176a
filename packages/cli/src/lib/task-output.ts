import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Task output in the `stevedore dev` terminal, as `sst dev` shows function output: each task's log
 * file under <state-dir>/logs is read as it grows, and each new line printed under its job. Only
 * new bytes are read on each pass; a line still being written waits for its newline.
 */

/** How often the log directory is looked at. */
const POLL_MS = 250;

export interface TaskOutputOptions {
  logDir: string;
  /** Prints one line of a task's output. */
  print: (taskId: string, line: string) => void;
}

/** Starts following every task log; returns a stop that prints what is left and stops. */
export function followTaskOutput(options: TaskOutputOptions): () => void {
  const offsets = new Map<string, number>();
  const partial = new Map<string, string>();
  // What is there already belongs to earlier runs: start at the end of each existing file.
  for (const file of logFiles(options.logDir)) offsets.set(file, statSync(join(options.logDir, file)).size);

  const pass = () => {
    for (const file of logFiles(options.logDir)) {
      const path = join(options.logDir, file);
      const from = offsets.get(file) ?? 0;
      const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
      if (size <= from) continue;
      const buffer = Buffer.alloc(size - from);
      const fd = openSync(path, 'r');
      try {
        readSync(fd, buffer, 0, buffer.length, from);
      } finally {
        closeSync(fd);
      }
      offsets.set(file, size);
      const lines = ((partial.get(file) ?? '') + buffer.toString('utf8')).split('\n');
      partial.set(file, lines.pop() ?? '');
      const taskId = file.slice(0, -'.log'.length);
      for (const line of lines) options.print(taskId, line);
    }
  };
  const timer = setInterval(pass, POLL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    pass();
    for (const [file, rest] of partial) if (rest) options.print(file.slice(0, -'.log'.length), rest);
  };
}

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.log'));
}
