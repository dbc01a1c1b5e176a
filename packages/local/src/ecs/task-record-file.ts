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
 * Lines: `{"task":{...}}` (the whole record, dates as ISO strings) when a task is first saved,
 * `{"state":{"taskId":"...",...}}` (everything of it that changes: statuses, version, times, process,
 * exit) at its later saves, and `{"token":"...","entry":{...}}`. A task's definition, overrides and
 * tags are most of its record and never change, so they are written once.
 *
 * Saves are held and written together (one write for many changes) by flush(), which the local ECS
 * calls before anything outside this process can learn of them: before it answers a request, before
 * an event a rule receives, and when a container exits; the rest within FLUSH_WITHIN_MS. A crash
 * (kill -9) thus forgets only changes nobody outside had seen, so the version a restart reports a
 * task's end with still follows every version delivered. Not fsync'd each time: a process crash
 * keeps what the kernel was given, and only a machine crash could lose the last lines. Compacted
 * when opened: one whole line per task still retained.
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

/** Longest a save waits for a flush when nothing outside asks for the task meanwhile. */
const FLUSH_WITHIN_MS = 1000;

/**
 * The members a task has from its launch on and never changes: written once, in its `task` line.
 * Every other member is its state, written whole in each `state` line.
 */
const LAUNCH_FIELDS: ReadonlySet<string> = new Set<keyof TaskRecord>([
  'seq',
  'taskId',
  'taskArn',
  'definition',
  'taskDefinitionArn',
  'containerArn',
  'attachmentId',
  'eniId',
  'macAddress',
  'capacityProviderName',
  'group',
  'startedBy',
  'serviceName',
  'overrides',
  'overrideEnv',
  'tags',
  'createdAt',
  'logFile',
]);

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
  /** Tasks whose `task` line is in the file: their later saves write only their state. */
  private readonly written = new WeakSet<TaskRecord>();
  /** Saved and not yet written, in order: tasks (written as they are at the flush) and token lines. */
  private held: Array<TaskRecord | string> = [];
  private readonly heldTasks = new Set<TaskRecord>();
  private flushTimer: NodeJS.Timeout | undefined;

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
      for (const task of restored.tasks) file.written.add(task);
    } catch (error) {
      throw StateDirWriteError.from(error, path);
    }
    return { file, restored };
  }

  /** Saves the task as it is at the next flush (see the top of this file); held until then. */
  saveTask(task: TaskRecord): void {
    if (this.heldTasks.has(task)) return;
    this.heldTasks.add(task);
    this.hold(task);
  }

  /** Saves a RunTask clientToken's binding; held until the next flush, as saveTask. */
  saveToken(token: string, entry: TokenEntry): void {
    this.hold(tokenLine(token, entry));
  }

  /** Writes every save held so far, in one write, before what they record can be seen. */
  flush(): void {
    if (this.held.length === 0) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const lines = this.held.map((item) => (typeof item === 'string' ? item : this.lineOf(item)));
    this.held = [];
    this.heldTasks.clear();
    this.append(lines.join(''));
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private hold(item: TaskRecord | string): void {
    if (this.fd < 0) return;
    this.held.push(item);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_WITHIN_MS).unref();
  }

  /** The whole record the first time, its state after. */
  private lineOf(task: TaskRecord): string {
    if (this.written.has(task)) return stateLine(task);
    this.written.add(task);
    return taskLine(task);
  }

  private append(text: string): void {
    if (this.fd < 0) return;
    try {
      // A leading newline would be needed after a torn write; the reader skips unparsable lines.
      writeSync(this.fd, text);
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

function stateLine(task: TaskRecord): string {
  const state: Record<string, unknown> = { taskId: task.taskId };
  for (const [field, value] of Object.entries(task)) {
    if (!LAUNCH_FIELDS.has(field)) state[field] = value;
  }
  return `${JSON.stringify({ state })}\n`;
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
    let line: {
      task?: Record<string, unknown>;
      state?: Record<string, unknown>;
      token?: string;
      entry?: TokenEntry;
    };
    try {
      line = JSON.parse(raw) as typeof line;
    } catch {
      continue; // torn by a crash mid-write
    }
    if (line.task && typeof line.task.taskId === 'string') {
      tasks.set(line.task.taskId, withDates(line.task));
    } else if (line.state && typeof line.state.taskId === 'string') {
      // A state replaces the whole previous one: a member it lacks was cleared since.
      const launched = tasks.get(line.state.taskId);
      if (launched === undefined) continue;
      const task: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(launched)) {
        if (LAUNCH_FIELDS.has(field)) task[field] = value;
      }
      tasks.set(line.state.taskId, withDates(Object.assign(task, line.state)));
    } else if (typeof line.token === 'string' && line.entry) {
      tokens.set(line.token, line.entry);
    }
  }
  return { tasks: [...tasks.values()].sort((a, b) => a.seq - b.seq), tokens };
}

/** The record with its times as Dates again. */
function withDates(task: Record<string, unknown>): TaskRecord {
  for (const field of DATE_FIELDS) {
    if (typeof task[field] === 'string') task[field] = new Date(task[field]);
  }
  return task as unknown as TaskRecord;
}
