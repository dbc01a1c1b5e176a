import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { isTerminal, type Job } from '@stevedore/core/job';
import { parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { LineTails } from '../lib/growing-file';
import { numberFlag } from '../lib/number-flag';
import { requireJob } from '../lib/short-id';
import { resolveTarget, TARGET_OPTIONS, type Target } from '../lib/target';
import { attemptTaskId } from './jobs';

/** How often --follow looks for more output and at the job's state. */
const FOLLOW_INTERVAL_MS = 500;

type Printer = (attempt: number, taskId: string, line: string, at?: number) => void;

/** `stevedore logs`: a job attempt's output, or all of it as it comes with --follow. */
export async function logs(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      attempt: { type: 'string' },
      follow: { type: 'boolean', short: 'f', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0)
    throw new CliError('usage: stevedore logs <jobId> [--attempt <n>] [-f] [--json]');
  const wanted =
    values.attempt === undefined
      ? undefined
      : numberFlag('attempt', values.attempt, { min: 1, max: 999, integer: true });
  const target = await resolveTarget(values);
  try {
    let job = await requireJob(target.ledger.jobs, id);
    const print: Printer = values.json
      ? (attempt, taskId, line, at) =>
          process.stdout.write(
            `${JSON.stringify({ jobId: job.jobId, attempt, taskId, line, ...(at === undefined ? {} : { at: new Date(at).toISOString() }) })}\n`,
          )
      : (_attempt, _taskId, line) => process.stdout.write(`${line}\n`);
    const reader = logReader(target, job);
    if (!values.follow) {
      const attempt = wanted ?? latestAttempt(job);
      const taskId = attempt === undefined ? undefined : attemptTaskId(job, attempt);
      if (attempt === undefined || !taskId) {
        throw new CliError(
          `job ${job.jobId} has no task${wanted ? ` for attempt ${wanted}` : ' yet'} (state ${job.state}); \`stevedore logs -f ${id}\` waits for it`,
        );
      }
      const found = await reader.read(attempt, taskId, print);
      reader.flush(attempt, taskId, print);
      reader.close();
      if (!found && target.kind === 'local')
        throw new CliError(`no log for attempt ${attempt} of ${job.jobId}`);
      return 0;
    }
    // --follow: each attempt from --attempt (or the latest) on, until the job has ended and the
    // last attempt's output is all printed. Ctrl-C ends it at once.
    const stopped = new AbortController();
    const onSignal = () => stopped.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let attempt = wanted ?? latestAttempt(job) ?? 1;
    try {
      while (!stopped.signal.aborted) {
        const taskId = attemptTaskId(job, attempt);
        if (taskId) await reader.read(attempt, taskId, print);
        const ended = isTerminal(job.state);
        const later = latestAttempt(job) ?? 0;
        if (taskId && later > attempt) {
          reader.flush(attempt, taskId, print);
          attempt += 1;
          continue;
        }
        if (ended && (taskId || later < attempt)) {
          if (taskId) reader.flush(attempt, taskId, print);
          return 0;
        }
        await sleep(FOLLOW_INTERVAL_MS, undefined, { signal: stopped.signal }).catch(() => {});
        job = (await target.ledger.jobs.getJob(job.jobId)) ?? job;
      }
      return 0;
    } finally {
      reader.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    target.client.destroy();
  }
}

/** Reads an attempt's output from where the last read of it ended: each call prints only what is new. */
function logReader(target: Target, job: Job) {
  if (target.kind === 'local') {
    const tails = new LineTails();
    const fileOf = (taskId: string) => join(target.endpoints.logDir, `${taskId}.log`);
    return {
      async read(attempt: number, taskId: string, print: Printer): Promise<boolean> {
        const lines = tails.newLines(fileOf(taskId));
        if (lines === undefined) return false;
        for (const line of lines) print(attempt, taskId, line);
        return true;
      },
      /** The last line, when the task ended without a newline after it. */
      flush(attempt: number, taskId: string, print: Printer): void {
        const rest = tails.rest(fileOf(taskId));
        if (rest !== undefined) print(attempt, taskId, rest);
      },
      close() {},
    };
  }
  // The task the job ran (recorded on it), not the one its source names today: a config change since
  // must not send us to another log group. The container name comes from that task's definition.
  const task = target.config.tasks[job.task];
  if (!task) throw new CliError(`job ${job.jobId} ran task ${job.task}, which is not in the config`);
  const client = new CloudWatchLogsClient({});
  /** Each task's next forward token: where its last read ended. */
  const offsets = new Map<string, string>();
  return {
    async read(attempt: number, taskId: string, print: Printer): Promise<boolean> {
      let nextToken = offsets.get(taskId);
      try {
        for (;;) {
          const page = await client.send(
            new GetLogEventsCommand({
              logGroupName: target.names.logGroup(job.task),
              logStreamName: target.names.logStream(task.containerName, taskId),
              startFromHead: true,
              ...(nextToken ? { nextToken } : {}),
            }),
          );
          for (const event of page.events ?? []) print(attempt, taskId, event.message ?? '', event.timestamp);
          // GetLogEvents returns the same token at the end of the stream.
          if (!page.nextForwardToken || page.nextForwardToken === nextToken) break;
          nextToken = page.nextForwardToken;
        }
      } catch (error) {
        // No stream yet: the task has not written anything (or not started).
        if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
        throw error;
      }
      if (nextToken) offsets.set(taskId, nextToken);
      return true;
    },
    flush() {},
    close: () => client.destroy(),
  };
}

function latestAttempt(job: Job): number | undefined {
  const numbers = Object.keys(job.attempts).map(Number);
  return numbers.length > 0 ? Math.max(...numbers) : undefined;
}
