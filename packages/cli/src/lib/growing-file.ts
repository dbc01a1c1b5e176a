import { closeSync, openSync, readSync, statSync } from 'node:fs';

/*
 * Files that grow while the CLI reads them (task logs, the local job-event file): each read takes only
 * the bytes added since the last one, and a line still being written waits for its newline.
 */

/** The bytes of `path` from `from` up to `to`. */
export function readRange(path: string, from: number, to: number): Buffer {
  const buffer = Buffer.alloc(Math.max(0, to - from));
  if (buffer.length === 0) return buffer;
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, from);
  } finally {
    closeSync(fd);
  }
  return buffer;
}

/** Follows any number of growing text files, by path: what each read returns is only what is new. */
export class LineTails {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();

  /** What `path` holds now is not new (it belongs to an earlier run): later reads start at its end. */
  skipExisting(path: string): void {
    this.offsets.set(path, statSync(path, { throwIfNoEntry: false })?.size ?? 0);
  }

  /** The whole lines added to `path` since the last read; undefined when there is no such file. */
  newLines(path: string): string[] | undefined {
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    if (size === undefined) return undefined;
    const from = this.offsets.get(path) ?? 0;
    if (size <= from) return [];
    this.offsets.set(path, size);
    const lines = ((this.partial.get(path) ?? '') + readRange(path, from, size).toString('utf8')).split('\n');
    this.partial.set(path, lines.pop() ?? '');
    return lines;
  }

  /** The last line of `path` when it ended without a newline (its writer is done), once. */
  rest(path: string): string | undefined {
    const rest = this.partial.get(path);
    this.partial.delete(path);
    return rest || undefined;
  }

  /** Every path read so far. */
  paths(): string[] {
    return [...this.offsets.keys()];
  }
}
