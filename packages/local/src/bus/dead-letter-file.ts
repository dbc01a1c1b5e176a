import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { DeadLetteredEvent, DeadLetterStore } from '@stevedore/core/ports';

/*
 * The local bus's dead-letter file, `<state-dir>/dead-letters.jsonl`: one JSON record a line, as the
 * bus appends it ({ time, target, attempts, error, event }). A record's id is the digest of the line
 * the bus wrote, kept in the record (`id`) once it is rewritten, so it stays the same across redrives.
 *
 * Rewriting is crash-safe: the new content goes to a temporary file in the same directory, which is
 * renamed over the old one (atomic on one file system), so a crash leaves the old file or the new one,
 * never half of either. The running bus appends by path; records it appended since the list are read
 * again just before the rename and kept.
 */

/** The file's name in the state dir. */
export const DEAD_LETTERS_FILE = 'dead-letters.jsonl';

/** A line of the file, as the bus writes it (and as a redrive rewrites it). */
export interface DeadLetterRecord {
  id?: string;
  time: string;
  target: string;
  attempts: number;
  error: string;
  event: unknown;
  /** Redrives that failed again, and the last one's time. */
  redrives?: number;
  lastRedriveAt?: string;
}

export interface DeadLetterFileOptions {
  path: string;
  /** The handler a bus target (a rule's id, or `schedule-fired`) delivers to. */
  handlerOf: (target: string) => string | undefined;
  /** For the time of a failed redrive. */
  now?: () => Date;
}

interface Line {
  raw: string;
  id: string;
  /** Undefined for a line that is not JSON (torn by a crash mid-append): kept, never listed. */
  record: DeadLetterRecord | undefined;
}

export class DeadLetterFile implements DeadLetterStore {
  constructor(private readonly options: DeadLetterFileOptions) {}

  async list(options: { limit?: number } = {}): Promise<DeadLetteredEvent[]> {
    const letters = this.read().flatMap(({ id, record }) =>
      record
        ? [
            {
              id,
              handler: this.options.handlerOf(record.target),
              target: record.target,
              error: record.error,
              attempts: record.attempts,
              at: record.time,
              event: record.event,
            },
          ]
        : [],
    );
    return options.limit === undefined ? letters : letters.slice(0, options.limit);
  }

  async settle(outcome: {
    delivered: readonly string[];
    failed: readonly { id: string; error: string }[];
  }): Promise<void> {
    if (outcome.delivered.length === 0 && outcome.failed.length === 0) return;
    const delivered = new Set(outcome.delivered);
    const failed = new Map(outcome.failed.map((f) => [f.id, f.error]));
    const at = (this.options.now ?? (() => new Date()))().toISOString();
    const kept = this.read().flatMap(({ raw, id, record }) => {
      if (delivered.has(id)) return [];
      const error = failed.get(id);
      if (error === undefined || !record) return [raw];
      const again: DeadLetterRecord = {
        ...record,
        id,
        error,
        attempts: record.attempts + 1,
        redrives: (record.redrives ?? 0) + 1,
        lastRedriveAt: at,
      };
      return [JSON.stringify(again)];
    });
    const temporary = `${this.options.path}.${process.pid}.tmp`;
    writeFileSync(temporary, kept.map((line) => `${line}\n`).join(''));
    renameSync(temporary, this.options.path);
  }

  private read(): Line[] {
    if (!existsSync(this.options.path)) return [];
    return readFileSync(this.options.path, 'utf8')
      .split('\n')
      .filter((raw) => raw.trim() !== '')
      .map((raw): Line => {
        try {
          const record = JSON.parse(raw) as DeadLetterRecord;
          return { raw, id: record.id ?? lineId(raw), record };
        } catch {
          return { raw, id: lineId(raw), record: undefined };
        }
      });
  }
}

/** The id of a line as the bus wrote it. */
function lineId(raw: string): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 12);
}
