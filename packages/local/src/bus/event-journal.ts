import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { StateDirWriteError } from '../errors';

/*
 * The local bus's journal, `<state-dir>/event-journal.jsonl`: what makes the local EventBridge as
 * durable as AWS's. An event an endpoint acknowledges (an object stored by PutObject or
 * CompleteMultipartUpload, a task's state change) is appended here BEFORE the endpoint answers, and
 * marked done once every target matching it has handled it (or dead-lettered it). A runtime that dies
 * in between finds the event still pending when it starts again and delivers it then: at least once,
 * never lost. Handlers are idempotent, so a redelivery is harmless.
 *
 * An append is written before the answer, which is all a process crash (kill -9) needs: the kernel
 * has it. flush() makes it survive a machine crash too: fsync, shared by every append made while the
 * previous fsync ran (a group commit), since one fsync per event would cost milliseconds each on a busy
 * disk. The S3 endpoint waits for it before answering (see storage/local-s3-sqs.ts).
 *
 * Two kinds of line: `{"put":"<id>","event":{...}}` and `{"done":"<id>"}`. A done line is never
 * flushed on its own: losing one only costs one redelivery. The file is compacted (rewritten with only the
 * pending events, to a temporary file renamed into place) when it is opened, which also drops a line
 * torn by a crash mid-append (that append was never acknowledged), and whenever done lines dominate.
 */

/** The file's name in the state dir. */
export const EVENT_JOURNAL_FILE = 'event-journal.jsonl';

/** An event the journal holds until it is done. */
export interface JournaledEvent {
  id: string;
  event: unknown;
}

/** Compact once this many events were marked done since the last compaction (and they outnumber the pending). */
const COMPACT_AFTER_DONE = 2000;

export class EventJournal {
  /** Pending events in the order they were appended. */
  private readonly open = new Map<string, unknown>();
  private fd: number;
  private doneSinceCompaction = 0;
  /** A write failed part-way (a full disk): the next line starts on a fresh line, or both would be unreadable. */
  private torn = false;
  private flushing: Promise<void> | undefined;
  private nextFlush: Promise<void> | undefined;

  private constructor(private readonly path: string) {
    this.fd = -1;
    for (const { id, event } of readPending(path)) this.open.set(id, event);
    this.fd = this.compact();
  }

  /** Opens (or creates) the journal at `path`, compacting it; throws StateDirWriteError if it cannot be written. */
  static openAt(path: string): EventJournal {
    try {
      mkdirSync(dirname(path), { recursive: true });
      return new EventJournal(path);
    } catch (error) {
      throw StateDirWriteError.from(error, path);
    }
  }

  /** The events appended and not yet done, oldest first (after a restart: the ones to deliver again). */
  pending(): JournaledEvent[] {
    return [...this.open].map(([id, event]) => ({ id, event }));
  }

  /**
   * Appends the event (written, not yet fsync'd: see flush). Throws StateDirWriteError when it cannot
   * be written (a full disk): the caller must then not acknowledge what produced the event.
   */
  append(event: unknown): JournaledEvent {
    const id = randomUUID();
    try {
      this.write(`${JSON.stringify({ put: id, event })}\n`);
    } catch (error) {
      throw StateDirWriteError.from(error, this.path);
    }
    this.open.set(id, event);
    return { id, event };
  }

  /**
   * Resolves once everything appended so far is on the disk (fsync); rejects with StateDirWriteError
   * when it cannot be. Concurrent callers share one fsync, and a call made while one runs gets the next.
   */
  flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.fsyncNow().finally(() => {
        this.flushing = undefined;
      });
      return this.flushing;
    }
    // The fsync under way may have started before this caller's append: wait for the next one.
    this.nextFlush ??= this.flushing
      .catch(() => {})
      .then(() => {
        this.nextFlush = undefined;
        return this.flush();
      });
    return this.nextFlush;
  }

  /** Marks an event handled. A failure to write is not fatal: the event is only delivered again later. */
  done(id: string): void {
    if (!this.open.delete(id)) return;
    this.doneSinceCompaction += 1;
    try {
      this.write(`${JSON.stringify({ done: id })}\n`);
      // Not while an fsync runs on the descriptor compaction would close.
      const due = this.doneSinceCompaction >= COMPACT_AFTER_DONE && this.doneSinceCompaction > this.open.size;
      if (due && !this.flushing) {
        const previous = this.fd;
        this.fd = this.compact();
        closeSync(previous);
      }
    } catch {
      // Full disk: the done line is missing, so the event is redelivered after a restart. Handlers are
      // idempotent; nothing is lost.
    }
  }

  private fsyncNow(): Promise<void> {
    const fd = this.fd;
    return new Promise((resolve, reject) =>
      fsync(fd, (error) => (error ? reject(StateDirWriteError.from(error, this.path)) : resolve())),
    );
  }

  private write(line: string): void {
    const text = this.torn ? `\n${line}` : line;
    this.torn = true;
    writeSync(this.fd, text);
    this.torn = false;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Rewrites the file with only the pending events; returns a descriptor appending to the new file. */
  private compact(): number {
    const temporary = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      const lines = this.pending().map(({ id, event }) => `${JSON.stringify({ put: id, event })}\n`);
      if (lines.length > 0) writeSync(fd, lines.join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    this.doneSinceCompaction = 0;
    return openSync(this.path, 'a');
  }
}

/** The pending events of a journal file: every put without a done; torn lines are skipped. */
function readPending(path: string): JournaledEvent[] {
  if (!existsSync(path)) return [];
  const open = new Map<string, unknown>();
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    if (raw.trim() === '') continue;
    let line: { put?: string; done?: string; event?: unknown };
    try {
      line = JSON.parse(raw) as typeof line;
    } catch {
      continue;
    }
    if (typeof line.put === 'string') open.set(line.put, line.event);
    else if (typeof line.done === 'string') open.delete(line.done);
  }
  return [...open].map(([id, event]) => ({ id, event }));
}
