import type { SQSClient } from '@aws-sdk/client-sqs';
import { changeVisibility } from './queue-calls';
import type { Reporter } from './worker-events';
import { MAX_VISIBILITY_SECONDS } from './worker-options';
import type { WorkerMessage } from './worker-types';

/*
 * Keeps the messages of one batch invisible while their handlers run, so a job longer than the
 * visibility timeout is not handed to another worker. Every half timeout it sets the timeout again,
 * counted from the call (ChangeMessageVisibility: "the timeout for the message is extended by 10
 * minutes beyond the time of the ChangeMessageVisibility action"). SQS refuses to extend past
 * 12 hours from the receive, so the last extension is shortened to end there.
 */

export interface HeartbeatSettings {
  sqs: SQSClient;
  queueUrl: string;
  visibilityTimeoutSeconds: number;
  report: Reporter;
}

/** Seconds kept in hand below SQS's 12-hour limit: our receive time is a little later than SQS's. */
const LIMIT_MARGIN_SECONDS = 5;

export class VisibilityHeartbeat {
  private readonly held = new Map<string, WorkerMessage>();
  private readonly receivedAt = Date.now();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private beat: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly settings: HeartbeatSettings,
    messages: readonly WorkerMessage[],
  ) {
    for (const message of messages) this.held.set(message.receiptHandle, message);
    this.intervalMs = (settings.visibilityTimeoutSeconds * 1000) / 2;
    this.schedule();
  }

  /** Stops extending one message (its handler failed: let its visibility lapse for a retry). */
  drop(message: WorkerMessage): void {
    this.held.delete(message.receiptHandle);
  }

  /** Stops extending and waits for an extension in flight, so it cannot race a delete. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.held.clear();
    await this.beat;
  }

  private schedule(): void {
    if (this.stopped || this.held.size === 0) return;
    this.timer = setTimeout(() => {
      this.beat = this.extend().then(() => this.schedule());
    }, this.intervalMs);
  }

  private async extend(): Promise<void> {
    const messages = [...this.held.values()];
    const { sqs, queueUrl, visibilityTimeoutSeconds, report } = this.settings;
    const elapsed = (Date.now() - this.receivedAt) / 1000;
    const seconds = Math.min(
      visibilityTimeoutSeconds,
      Math.floor(MAX_VISIBILITY_SECONDS - LIMIT_MARGIN_SECONDS - elapsed),
    );
    if (seconds < 1) {
      // Past SQS's limit: the messages become visible when this extension ends, whatever we do.
      this.held.clear();
      return;
    }
    const outcome = await changeVisibility(sqs, queueUrl, messages, seconds);
    // A message whose handler finished meanwhile has been dropped or is about to be deleted.
    if (this.stopped) return;
    if (outcome.done.length > 0) {
      report({
        type: 'extended',
        messageIds: outcome.done.map((m) => m.id),
        visibilityTimeoutSeconds: seconds,
      });
    }
    for (const { error } of outcome.failed) report({ type: 'error', error });
  }
}
