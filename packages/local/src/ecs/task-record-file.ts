import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { StateDirWriteError } from '../errors';
import type { TaskRecord } from './types';

/*
 * The local ECS's memory across restarts, `<state-dir>/ecs-tasks.jsonl`: each task's record as of its
 * last change, and each RunTask clientToken with the response it was bound to. A runtime started again
 * on the same state dir thus still knows the tasks the previous one ran (DescribeTasks finds them, and
 * their end is reported) and still answers a retried RunTask with the task it already started, instead
 * of starting its work a second time.
 *
 * Lines: `{"task":{...}}` (the whole record, dates as ISO strings) and `{"token":"...","entry":{...}}`.
 * Written before the change is visible through the API (a RunTask is answered after its line is
 * written); not fsync'd each time: a process crash keeps what the kernel was given, and only a machine
 * crash could lose the last lines. Compacted when opened: one line per task still retained.
 */

/** The file's name in the state dir. */
export const ECS_TASKS_FILE = 'ecs-tasks.jsonl';

/** What RunTask remembers of a clientToken. */
export interface TokenEntry {
  fingerprint: string;
  response: Record<string, unknown>;
}

/** What a previous runtime left: its tasks (latest record each) and its clientTokens. */
export interface RestoredEcsState {
  tasks: TaskRecord[];
  tokens: Map<string, TokenEntry>;
}

const DATE_FIELDS = [
  'createdAt',
  'updatedAt',
  'connectivityAt',
  'pullStartedAt',
  'pullStoppedAt',
  'startedAt',
  'stoppingAt',
  'executionStoppedAt',
  'stoppedAt',
] as const;

export class TaskRecordFile {
  private fd = -1;
  private warned = false;

  private constructor(
    private readonly path: string,
    private readonly onWriteError: (error: StateDirWriteError) => void,
  ) {}

  /**
   * Reads what the file holds, keeps the tasks retained `retentionMs` after they stopped (and their
   * tokens), rewrites the file with only those, and opens it for appending.
   */
  static openAt(
    path: string,
    options: { retentionMs: number; now: Date; onWriteError: (error: StateDirWriteError) => void },
  ): { file: TaskRecordFile; restored: RestoredEcsState } {
    const restored = readRecords(path);
    const cutoff = options.now.getTime() - options.retentionMs;
    restored.tasks = restored.tasks.filter((task) => !task.stoppedAt || task.stoppedAt.getTime() > cutoff);
    const kept = new Set(restored.tasks.map((task) => task.taskArn));
    for (const [token, entry] of restored.tokens) {
      const arns = (entry.response.tasks as { taskArn?: string }[] | undefined)?.map((t) => t.taskArn) ?? [];
      if (!arns.some((arn) => arn !== undefined && kept.has(arn))) restored.tokens.delete(token);
    }
    const file = new TaskRecordFile(path, options.onWriteError);
    try {
      mkdirSync(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      const fd = openSync(temporary, 'w');
      const lines = [
        ...restored.tasks.map((task) => taskLine(task)),
        ...[...restored.tokens].map(([token, entry]) => tokenLine(token, entry)),
      ];
      if (lines.length > 0) writeSync(fd, lines.join(''));
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temporary, path);
      file.fd = openSync(path, 'a');
    } catch (error) {
      throw StateDirWriteError.from(error, path);
    }
    return { file, restored };
  }

  saveTask(task: TaskRecord): void {
    this.append(taskLine(task));
  }

  saveToken(token: string, entry: TokenEntry): void {
    this.append(tokenLine(token, entry));
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private append(line: string): void {
    if (this.fd < 0) return;
    try {
      // A leading newline would be needed after a torn write; the reader skips unparsable lines.
      writeSync(this.fd, line);
    } catch (error) {
      // A full disk: the task runs on, only a crash now would forget it. Said once, not per change.
      if (!this.warned) this.onWriteError(StateDirWriteError.from(error, this.path));
      this.warned = true;
    }
  }
}

function taskLine(task: TaskRecord): string {
  return `${JSON.stringify({ task })}\n`;
}

function tokenLine(token: string, entry: TokenEntry): string {
  return `${JSON.stringify({ token, entry })}\n`;
}

function readRecords(path: string): RestoredEcsState {
  const tasks = new Map<string, TaskRecord>();
  const tokens = new Map<string, TokenEntry>();
  if (!existsSync(path)) return { tasks: [], tokens };
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    if (raw.trim() === '') continue;
    let line: { task?: Record<string, unknown>; token?: string; entry?: TokenEntry };
    try {
      line = JSON.parse(raw) as typeof line;
    } catch {
      continue; // torn by a crash mid-write
    }
    if (line.task && typeof line.task.taskId === 'string') {
      const task = line.task;
      for (const field of DATE_FIELDS) {
        if (typeof task[field] === 'string') task[field] = new Date(task[field]);
      }
      tasks.set(task.taskId as string, task as unknown as TaskRecord);
    } else if (typeof line.token === 'string' && line.entry) {
      tokens.set(line.token, line.entry);
    }
  }
  return { tasks: [...tasks.values()].sort((a, b) => a.seq - b.seq), tokens };
}
