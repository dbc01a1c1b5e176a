import { existsSync, readFileSync } from 'node:fs';

/** What the crash config's task (test/e2e/programs/record-work.mjs) wrote to its work log. */
export interface WorkLog {
  /** Times each key's work was finished. */
  done: Map<string, number>;
  /** Pids of every task process that started. */
  pids: number[];
}

/** Reads a work log; a missing file is an empty log. */
export function readWorkLog(path: string): WorkLog {
  const done = new Map<string, number>();
  const pids: number[] = [];
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  for (const line of text.split('\n')) {
    const [what, key, , pid] = line.split(' ');
    if (what === 'started') pids.push(Number(pid));
    if (what === 'done' && key) done.set(key, (done.get(key) ?? 0) + 1);
  }
  return { done, pids };
}
