import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createWorkerAdapters } from '@stevedore/aws';
import type { ConsoleBackend, LogChunk } from '@stevedore/console';
import { fireSchedule } from '@stevedore/control';
import type { Config } from '@stevedore/core/config';
import { type Job, taskIdOf } from '@stevedore/core/job';
import { scheduleClockNow } from '@stevedore/local';
import { deadLetterPlace } from '../commands/event-dead-letters';
import { invokeScheduleFired } from '../commands/schedules';
import { controlDeps } from './control-deps';
import { localClientConfig, type Target } from './target';

/*
 * The console's backend for a CLI target: the same composition root as every command (controlDeps),
 * with the worker adapters, task logs from <state-dir>/logs or CloudWatch Logs, a schedule run here
 * (locally) or by the stage's function, and the dead letters of `stevedore dead-letters`.
 */

/** Most bytes of a log one read returns: a long log arrives in pieces, the page asks for the rest. */
const LOG_CHUNK_BYTES = 256 * 1024;

export function consoleBackend(target: Target, config: Config): { backend: ConsoleBackend; close(): void } {
  const local = target.kind === 'local' ? target.endpoints : undefined;
  const sqs = new SQSClient(local ? localClientConfig(local, local.sqs) : {});
  const ecs = new ECSClient(local ? localClientConfig(local, local.ecs) : {});
  const cluster = local ? local.cluster : target.kind === 'aws' ? target.names.cluster : '';
  const built = controlDeps(target, config, undefined, {
    workers: createWorkerAdapters({
      cluster,
      clients: { sqs, ecs },
      ...(local ? { queueUrls: local.queues } : {}),
    }),
  });
  const deadLetters = deadLetterPlace(target, config);
  const logs = target.kind === 'aws' ? new CloudWatchLogsClient({}) : undefined;
  const deps = built.deps;
  const backend: ConsoleBackend = {
    where: local
      ? `local runtime ${local.stateDir}`
      : `stage ${target.kind === 'aws' ? target.names.prefix : ''}`,
    deps,
    launch: target.kind === 'local',
    scheduleNow: () => (local?.scheduleClock ? scheduleClockNow(local.scheduleClock) : new Date()),
    readLog: (job, attempt, from) => {
      const taskArn = job.attempts[String(attempt)]?.taskArn;
      if (!taskArn) return Promise.resolve({ text: '', next: from, missing: true });
      if (local) return readLocalLog(join(local.logDir, `${taskIdOf(taskArn)}.log`), from);
      if (target.kind !== 'aws' || !logs)
        throw new Error('unreachable: a stage target without CloudWatch Logs');
      return readStageLog(logs, target, config, job, taskIdOf(taskArn), from);
    },
    runSchedule: async (name) => {
      if (target.kind === 'aws') {
        await invokeScheduleFired(target, name, new Date());
        return { outcome: 'started on the stage' };
      }
      return fireSchedule(deps, name, new Date(), { manual: true });
    },
    deadLetters: { name: deadLetters.name, store: deadLetters.store, invoker: deadLetters.invoker },
  };
  return {
    backend,
    close: () => {
      built.close();
      deadLetters.close();
      sqs.destroy();
      ecs.destroy();
      logs?.destroy();
    },
  };
}

/** A local task log from a byte offset (the cursor is that offset). */
async function readLocalLog(path: string, from: string): Promise<LogChunk> {
  const offset = Number(from) || 0;
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { text: '', next: String(offset), missing: true };
    throw error;
  }
  try {
    const buffer = Buffer.alloc(LOG_CHUNK_BYTES);
    const { bytesRead } = await file.read(buffer, 0, LOG_CHUNK_BYTES, offset);
    // Up to the last whole line, so a multi-byte character is never cut in two.
    const end =
      bytesRead === LOG_CHUNK_BYTES ? buffer.lastIndexOf(10, bytesRead - 1) + 1 || bytesRead : bytesRead;
    return { text: buffer.subarray(0, end).toString('utf8'), next: String(offset + end) };
  } finally {
    await file.close();
  }
}

/** A stage's task log from CloudWatch Logs (the cursor is GetLogEvents' forward token). */
async function readStageLog(
  client: CloudWatchLogsClient,
  target: Extract<Target, { kind: 'aws' }>,
  config: Config,
  job: Job,
  taskId: string,
  from: string,
): Promise<LogChunk> {
  const task = config.tasks[job.task];
  if (!task) return { text: `(task ${job.task} is no longer in the config)\n`, next: from, missing: true };
  try {
    const page = await client.send(
      new GetLogEventsCommand({
        logGroupName: target.names.logGroup(job.task),
        logStreamName: target.names.logStream(task.containerName, taskId),
        startFromHead: true,
        ...(from ? { nextToken: from } : {}),
      }),
    );
    const text = (page.events ?? []).map((event) => `${event.message ?? ''}\n`).join('');
    return { text, next: page.nextForwardToken ?? from };
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException')
      return { text: '', next: from, missing: true };
    throw error;
  }
}
