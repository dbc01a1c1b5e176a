import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LineTails } from './growing-file';

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
  const tails = new LineTails();
  const taskIdOf = (path: string) => basename(path, '.log');
  // What is there already belongs to earlier runs: start at the end of each existing file.
  for (const path of logFiles(options.logDir)) tails.skipExisting(path);

  const pass = () => {
    for (const path of logFiles(options.logDir)) {
      for (const line of tails.newLines(path) ?? []) options.print(taskIdOf(path), line);
    }
  };
  const timer = setInterval(pass, POLL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    pass();
    for (const path of tails.paths()) {
      const rest = tails.rest(path);
      if (rest !== undefined) options.print(taskIdOf(path), rest);
    }
  };
}

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => join(dir, f));
}
