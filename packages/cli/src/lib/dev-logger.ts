import type { Logger } from '@stevedore/core/ports';
import { shortJobId } from './short-id';

/*
 * The `stevedore dev` terminal. By default it reads like `sst dev`: one line per job transition that
 * matters (created, running, retrying, ended), the task's own output inline under its job, and
 * warnings. The task-status steps in between (PROVISIONING, DEACTIVATING, STOPPING, ...), the
 * sweeper's reports and the job-event lines are for --verbose, which prints every line as it comes.
 */

export interface DevLoggerOptions {
  out?: NodeJS.WritableStream;
  /** Every line: each task-status step, sweeps, job events, handler details. */
  verbose?: boolean;
}

/** What the terminal knows of each job: its last state shown, so a repeated state is not shown again. */
interface Seen {
  state: string;
  attempt: number;
}

/** The width of a job column: short ids (`<source>-<8 hex>`) fit, longer sources are cut. */
const JOB_COLUMN = 24;

/** The dev terminal's logger; `taskJob` learns which job each task runs, for the output prefix. */
export function devLogger(options: DevLoggerOptions = {}): Logger & {
  /** The job a task id runs, once a transition has named it. */
  jobOfTask(taskId: string): string | undefined;
} {
  const out = options.out ?? process.stdout;
  const verbose = options.verbose ?? false;
  const seen = new Map<string, Seen>();
  const tasks = new Map<string, string>();
  const time = () => new Date().toTimeString().slice(0, 8);

  const transition = (fields: Record<string, unknown>) => {
    const jobId = String(fields.jobId);
    const state = String(fields.state ?? '');
    const attempt = Number(fields.attempt ?? 1);
    const taskArn = typeof fields.taskArn === 'string' ? fields.taskArn : undefined;
    if (taskArn) tasks.set(taskArn.slice(taskArn.lastIndexOf('/') + 1), jobId);
    const before = seen.get(jobId);
    seen.set(jobId, { state, attempt });
    if (seen.size > 10_000) seen.delete(seen.keys().next().value as string);
    // The default view: a line when the job's state or attempt changes, not for each task status.
    if (!verbose && before && before.state === state && before.attempt === attempt) return;
    const retry = before && attempt > before.attempt ? 'retry, ' : '';
    const detail = [verbose ? fields.taskStatus : undefined, fields.key, fields.reason]
      .filter(Boolean)
      .join('  ');
    out.write(
      `${time()}  ${jobColumn(jobId, verbose)}  ${state.padEnd(9)}  ${retry}attempt ${attempt}${detail ? `  ${detail}` : ''}\n`,
    );
  };

  const line = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (message === 'transition' && fields) return transition(fields);
    const extra = fields && Object.keys(fields).length > 0 ? `  ${JSON.stringify(fields)}` : '';
    out.write(`${time()}  ${level === 'info' ? '' : `${level}: `}${message}${extra}\n`);
  };
  /** Info lines worth a glance by default: a worker's scaling. The rest (sweeps, job events) is verbose. */
  const shownByDefault = (message: string) => message === 'scale';
  return {
    debug: verbose || process.env.STEVEDORE_LOG_LEVEL === 'debug' ? (m, f) => line('debug', m, f) : () => {},
    info: (m, f) => {
      if (verbose || m === 'transition' || shownByDefault(m)) line('info', m, f);
    },
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    jobOfTask: (taskId) => tasks.get(taskId),
  };
}

/** The job column: the short id, padded; --verbose prints the full id. */
export function jobColumn(jobId: string, full = false): string {
  const shown = full ? jobId : shortJobId(jobId);
  return shown.length > JOB_COLUMN && !full
    ? `${shown.slice(0, JOB_COLUMN - 1)}…`
    : shown.padEnd(full ? 0 : JOB_COLUMN);
}
