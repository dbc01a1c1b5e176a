import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { HandlerError, isMalformed, QueueError } from './errors';
import { changeVisibility, deleteMessages, toWorkerMessage } from './queue-calls';
import { VisibilityHeartbeat } from './visibility-heartbeat';
import type { Reporter } from './worker-events';
import type { MessageHandler, WorkerMessage } from './worker-types';

/*
 * One received batch, from hand to settled: the handlers run concurrently under a visibility
 * heartbeat; then the messages they handled are deleted together, and the ones they failed are left
 * to reappear: at once when the handler said the message is malformed (it will never succeed, so it
 * should reach the dead-letter queue in seconds) or with releaseOnFailure, else when their visibility
 * timeout runs out.
 */

export interface BatchSettings {
  sqs: SQSClient;
  queueUrl: string;
  visibilityTimeoutSeconds: number;
  releaseOnFailure: boolean;
  handler: MessageHandler;
  stopping: AbortSignal;
  report: Reporter;
}

export interface BatchCounts {
  succeeded: number;
  failed: number;
}

/** Handles, deletes or releases every message of one ReceiveMessage answer. */
export async function processBatch(
  received: readonly Message[],
  settings: BatchSettings,
): Promise<BatchCounts> {
  const { sqs, queueUrl, report } = settings;
  const messages = received.flatMap((raw) => {
    const message = toWorkerMessage(raw);
    if (!message) {
      const cause = new Error(`a message without MessageId or ReceiptHandle: ${raw.MessageId ?? '?'}`);
      report({ type: 'error', error: new QueueError('ReceiveMessage', queueUrl, { cause }) });
    }
    return message ? [message] : [];
  });
  const heartbeat = new VisibilityHeartbeat(settings, messages);

  const handled: WorkerMessage[] = [];
  const failed: WorkerMessage[] = [];
  const release: WorkerMessage[] = [];
  await Promise.all(
    messages.map(async (message) => {
      try {
        await settings.handler(message, { stopping: settings.stopping });
        handled.push(message);
        report({ type: 'succeeded', messageId: message.id, receiveCount: message.receiveCount });
      } catch (error) {
        heartbeat.drop(message);
        failed.push(message);
        const malformed = isMalformed(error);
        if (malformed || settings.releaseOnFailure) release.push(message);
        const failure = new HandlerError(message.id, { cause: error });
        report({
          type: 'failed',
          messageId: message.id,
          receiveCount: message.receiveCount,
          malformed,
          error: failure,
        });
      }
    }),
  );
  await heartbeat.stop();

  const deleted = await deleteMessages(sqs, queueUrl, handled);
  if (deleted.done.length > 0) report({ type: 'deleted', messageIds: deleted.done.map((m) => m.id) });
  for (const { error } of deleted.failed) report({ type: 'error', error });

  if (release.length > 0) {
    const released = await changeVisibility(sqs, queueUrl, release, 0);
    if (released.done.length > 0) report({ type: 'released', messageIds: released.done.map((m) => m.id) });
    for (const { error } of released.failed) report({ type: 'error', error });
  }
  return { succeeded: handled.length, failed: failed.length };
}
