import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetter, MoveTask, SqsDeadLetters } from '@stevedore/aws';
import { type Config, deadLetterQueueName } from '@stevedore/core/config';
import { CliError } from '../lib/cli-error';
import { numberFlag } from '../lib/number-flag';
import { formatTime, renderTable, timeHeader } from '../lib/table';

/*
 * `stevedore workers dead-letters <name>` and `stevedore workers redrive <name>`: a worker queue's
 * dead-letter queue, looked at and moved back. The SQS calls are SqsDeadLetters' (one path for AWS and
 * the local stand-in); this file reads the flags and lays out what is printed.
 */

/** How often `redrive` asks for the move task's progress. */
const PROGRESS_INTERVAL_MS = 500;

/** The worker and its queues, or a CliError naming the workers there are. */
export function workerQueues(config: Config, name: string | undefined, usage: string) {
  if (!name) throw new CliError(`usage: ${usage}`);
  const worker = config.workers[name];
  if (!worker) {
    throw new CliError(
      `no worker ${JSON.stringify(name)} (workers: ${Object.keys(config.workers).join(', ') || 'none'})`,
    );
  }
  return { queue: worker.queue, deadLetterQueue: deadLetterQueueName(worker.queue) };
}

/** `workers dead-letters <name>`: the messages of the worker's dead-letter queue. */
export async function listDeadLetters(
  deadLetters: SqsDeadLetters,
  config: Config,
  name: string | undefined,
  values: { json: boolean; limit: string },
): Promise<number> {
  const { deadLetterQueue } = workerQueues(config, name, 'stevedore workers dead-letters <name> [--json]');
  const limit = numberFlag('limit', values.limit, { min: 1, max: 1000, integer: true });
  const letters = await deadLetters.list(deadLetterQueue, limit);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${deadLettersText(deadLetterQueue, letters)}\n`);
  return 0;
}

/** The listing as printed: a table, or a line saying the queue is empty. */
export function deadLettersText(
  deadLetterQueue: string,
  letters: readonly DeadLetter[],
  now = new Date(),
): string {
  if (letters.length === 0) return `${deadLetterQueue} is empty`;
  return renderTable(letters, [
    { header: 'MESSAGE', cell: (l) => l.id },
    { header: 'RECEIVES', cell: (l) => String(l.receiveCount), right: true },
    { header: timeHeader('SENT'), cell: (l) => formatTime(l.sentAt, now) },
    { header: timeHeader('FIRST RECEIVED'), cell: (l) => formatTime(l.firstReceivedAt, now) },
    { header: 'BODY', cell: (l) => bodyPreview(l), max: 80, shrink: true },
  ]);
}

function bodyPreview(letter: DeadLetter): string {
  const more = letter.bodyLength - letter.bodyPreview.length;
  return more > 0 ? `${letter.bodyPreview}… (+${more} chars)` : letter.bodyPreview;
}

/** `workers redrive <name>`: moves the dead-letter queue's messages back to the worker's queue, with progress. */
export async function redriveDeadLetters(
  deadLetters: SqsDeadLetters,
  config: Config,
  name: string | undefined,
  values: { json: boolean },
): Promise<number> {
  const { queue, deadLetterQueue } = workerQueues(config, name, 'stevedore workers redrive <name> [--json]');
  await deadLetters.redrive(deadLetterQueue, queue);
  let last = '';
  for (;;) {
    const task = await deadLetters.moveTask(deadLetterQueue);
    if (!task) throw new CliError(`SQS lists no move task out of ${deadLetterQueue} after starting one`);
    const line = redriveLine(deadLetterQueue, queue, task);
    if (!values.json && line !== last) process.stdout.write(`${line}\n`);
    last = line;
    if (task.status !== 'RUNNING' && task.status !== 'CANCELLING') {
      if (values.json)
        process.stdout.write(`${JSON.stringify({ deadLetterQueue, queue, ...task }, null, 2)}\n`);
      return task.status === 'COMPLETED' ? 0 : 1;
    }
    await sleep(PROGRESS_INTERVAL_MS);
  }
}

/** One progress line of a redrive. */
export function redriveLine(deadLetterQueue: string, queue: string, task: MoveTask): string {
  const of = task.toMove === undefined ? '' : ` of ${task.toMove}`;
  const moved = `${task.moved}${of} message${(task.toMove ?? task.moved) === 1 ? '' : 's'} moved from ${deadLetterQueue} to ${queue}`;
  switch (task.status) {
    case 'RUNNING':
    case 'CANCELLING':
      return `redriving: ${moved}`;
    case 'COMPLETED':
      return `redriven: ${moved}`;
    case 'CANCELLED':
      return `cancelled: ${moved}`;
    case 'FAILED':
      return `failed: ${moved}: ${task.failureReason ?? 'no reason given'}`;
  }
}

/** The warnings `stevedore workers` prints under its table: one per dead-letter queue holding messages. */
export function deadLetterWarnings(
  statuses: readonly { name: string; deadLetterQueue: string; deadLetters: number }[],
): string[] {
  return statuses
    .filter((s) => s.deadLetters > 0)
    .map(
      (s) =>
        `warning: ${s.deadLetters} message${s.deadLetters === 1 ? '' : 's'} in ${s.deadLetterQueue}, the dead-letter queue of worker ${s.name}: \`stevedore workers dead-letters ${s.name}\` to look, \`stevedore workers redrive ${s.name}\` to retry them`,
    );
}
