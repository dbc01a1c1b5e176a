import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CliError } from '../lib/cli-error';
import { numberFlag } from '../lib/number-flag';
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../lib/target';
import { attemptTaskId } from './jobs';

export const LOGS_USAGE = `stevedore logs <jobId> [--attempt <n>]

  The output of a job's task (the latest attempt unless --attempt): from <state-dir>/logs locally,
  from CloudWatch Logs for a deployed stage.

${TARGET_USAGE}`;

/** `stevedore logs`: a job attempt's output. */
export async function logs(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, attempt: { type: 'string' } },
  });
  const jobId = positionals[0];
  if (!jobId) throw new CliError('usage: stevedore logs <jobId> [--attempt <n>]');
  const wanted =
    values.attempt === undefined
      ? undefined
      : numberFlag('attempt', values.attempt, { min: 1, max: 999, integer: true });
  const target = await resolveTarget(values);
  const job = await target.ledger.jobs.getJob(jobId);
  target.client.destroy();
  if (!job) throw new CliError(`no job ${jobId}`);
  const attempt = wanted ?? latestAttempt(job.attempts);
  const taskId = attempt === undefined ? undefined : attemptTaskId(job, attempt);
  if (attempt === undefined || !taskId) {
    throw new CliError(
      `job ${jobId} has no task${values.attempt ? ` for attempt ${values.attempt}` : ' yet'} (state ${job.state})`,
    );
  }

  if (target.kind === 'local') {
    const file = join(target.endpoints.logDir, `${taskId}.log`);
    if (!existsSync(file)) throw new CliError(`no log for attempt ${attempt} (${file})`);
    process.stdout.write(readFileSync(file));
    return 0;
  }
  // The task the job ran (recorded on it), not the one its source names today: a config change since
  // must not send us to another log group. The container name comes from that task's definition.
  const task = target.config.tasks[job.task];
  if (!task) throw new CliError(`job ${jobId} ran task ${job.task}, which is not in the config`);
  const client = new CloudWatchLogsClient({});
  let nextToken: string | undefined;
  for (;;) {
    const page = await client.send(
      new GetLogEventsCommand({
        logGroupName: target.names.logGroup(job.task),
        logStreamName: target.names.logStream(task.containerName, taskId),
        startFromHead: true,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    for (const event of page.events ?? []) process.stdout.write(`${event.message ?? ''}\n`);
    // GetLogEvents returns the same token at the end of the stream.
    if (!page.nextForwardToken || page.nextForwardToken === nextToken) break;
    nextToken = page.nextForwardToken;
  }
  client.destroy();
  return 0;
}

function latestAttempt(attempts: Record<string, unknown>): number | undefined {
  const numbers = Object.keys(attempts).map(Number);
  return numbers.length > 0 ? Math.max(...numbers) : undefined;
}
