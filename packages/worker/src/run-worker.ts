import { type Message, SQSClient } from '@aws-sdk/client-sqs';
import { QueueError } from './errors';
import { processBatch } from './message-batch';
import { ProtectionGuard } from './protection-guard';
import { isTransient, type QueueSettings, readQueueSettings, receiveMessages } from './queue-calls';
import { Shutdown } from './shutdown';
import { createReporter } from './worker-events';
import { normalizeWorkerOptions } from './worker-options';
import type { WorkerOptions, WorkerSummary } from './worker-types';

/*
 * The worker loop. Recipe: check the options, find the visibility timeout, then receive, protect,
 * handle, delete, until told to stop; then drop the protection and resolve.
 *
 * Protection follows the messages in hand. After a batch the loop looks at the queue once more
 * without waiting, still protected: under a steady backlog the task stays protected and the agent
 * sees one request per busy period instead of two per message. Only when that look comes back
 * empty is the protection dropped, before the next long poll, so an idle worker is never protected.
 * Between a receive returning and the protection being in place, a scale-in gets through: that
 * window is covered by the graceful stop, which finishes and deletes the messages in hand.
 *
 * A stop abandons a long poll in progress rather than wait up to 20 s of the stopTimeout for it; a
 * message SQS hands out in that very instant is delivered again after its visibility timeout.
 */

/** Backoff after a receive that failed for a reason that may pass (throttling, network, 5xx). */
const RECEIVE_BACKOFF_MS = { first: 1000, max: 20_000 };

/**
 * Consumes `queueUrl` until SIGTERM/SIGINT or `signal`: long-polls, calls `handler` for each message,
 * deletes it on success and leaves it for redelivery on failure; extends its visibility and keeps
 * the ECS task protected from scale-in while it is in hand. Resolves once the messages in hand are
 * settled; rejects with WorkerConfigError for bad options, QueueError when the queue cannot be used.
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const config = normalizeWorkerOptions(options);
  const report = createReporter(config.logger, config.onEvent);
  const sqs = config.sqs ?? new SQSClient({});
  const shutdown = new Shutdown(config.signal, config.handleSignals, (reason) =>
    report({ type: 'stopping', reason }),
  );
  const guard = new ProtectionGuard(config.taskProtection, config.protectionMinutes, report);
  const summary: WorkerSummary = { received: 0, succeeded: 0, failed: 0 };

  try {
    const { visibilityTimeoutSeconds, maxReceiveCount }: QueueSettings =
      config.visibilityTimeoutSeconds === undefined
        ? await readQueueSettings(sqs, config.queueUrl)
        : { visibilityTimeoutSeconds: config.visibilityTimeoutSeconds, maxReceiveCount: undefined };
    report({
      type: 'started',
      queueUrl: config.queueUrl,
      visibilityTimeoutSeconds,
      maxReceiveCount,
      protectionAvailable: config.taskProtection.available,
    });
    const request = {
      queueUrl: config.queueUrl,
      maxMessages: config.maxMessages,
      visibilityTimeoutSeconds,
    };
    let draining = false;
    let failures = 0;

    while (!shutdown.signal.aborted) {
      let messages: Message[];
      try {
        const waitTimeSeconds = draining ? 0 : config.waitTimeSeconds;
        // A stop abandons a long poll (it could last 20 s), never a receive that answers at once:
        // whatever that one returns is handled, not left invisible for a whole visibility timeout.
        const abandonable = waitTimeSeconds > 0 ? shutdown.signal : undefined;
        messages = await receiveMessages(sqs, { ...request, waitTimeSeconds }, abandonable);
        failures = 0;
      } catch (error) {
        if (shutdown.signal.aborted) break;
        const failure = new QueueError('ReceiveMessage', config.queueUrl, { cause: error });
        if (!isTransient(error)) throw failure;
        report({ type: 'error', error: failure });
        await guard.release();
        await shutdown.sleep(Math.min(RECEIVE_BACKOFF_MS.max, RECEIVE_BACKOFF_MS.first * 2 ** failures++));
        continue;
      }
      if (messages.length === 0) {
        draining = false;
        await guard.release();
        continue;
      }

      summary.received += messages.length;
      report({ type: 'received', messageIds: messages.map((message) => message.MessageId ?? '') });
      // A task that got SIGTERM is already being stopped; protection cannot undo that, so it is not asked for.
      if (!shutdown.signal.aborted) await guard.hold();
      const counts = await processBatch(messages, {
        sqs,
        queueUrl: config.queueUrl,
        visibilityTimeoutSeconds,
        releaseOnFailure: config.releaseOnFailure,
        handler: config.handler,
        stopping: shutdown.signal,
        report,
      });
      summary.succeeded += counts.succeeded;
      summary.failed += counts.failed;
      draining = true;
    }
  } finally {
    await guard.release();
    guard.close();
    shutdown.dispose();
    if (!config.sqs) sqs.destroy();
  }
  report({ type: 'stopped', summary });
  return summary;
}
