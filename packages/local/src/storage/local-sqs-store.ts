import type { QueueSnapshot, SqsMessage, SqsQueue, SqsStore } from './fauxqs-parts';

/*
 * fauxqs names queues http://sqs.<region>.localhost:<port>/000000000000/<name>, with ARNs under its
 * fixed account 000000000000. The SQS client sends a request to its QueueUrl's origin whenever that
 * differs from the endpoint it resolved (useQueueUrlAsEndpoint, on unless an `endpoint` is passed,
 * e.g. when it comes from AWS_ENDPOINT_URL_SQS), so such URLs would depend on `*.localhost`
 * resolving. Here URLs are on the endpoint's own origin (127.0.0.1) and URLs and ARNs carry the
 * configured account, so a RedrivePolicy naming arn:aws:sqs:<region>:<account>:<dlq> resolves too.
 * Queues and their messages live in memory only; a restart starts them empty.
 */

/** The account fauxqs puts in every URL and ARN it builds. */
const FAUXQS_ACCOUNT_ID = '000000000000';

export interface LocalSqsStoreOptions {
  accountId: string;
  /** http://127.0.0.1:<port>, known once the server listens. */
  origin: () => string;
}

/** The URL of queue `name` on `origin` under `accountId`. */
export function localQueueUrl(origin: string, accountId: string, name: string): string {
  return `${origin}/${accountId}/${name}`;
}

/** fauxqs' SQS store, plus where each message was first sent (a redrive sends it back there). */
export interface LocalSqsStore extends SqsStore {
  /** The ARN of the queue `message` was first sent to; a dead-letter queue's messages keep it. */
  originOf(message: SqsMessage): string | undefined;
}

/** fauxqs' SQS store with queue URLs on 127.0.0.1, the configured account, and up-to-date counts. */
export function createLocalSqsStore(Base: new () => SqsStore, options: LocalSqsStoreOptions): LocalSqsStore {
  const { accountId, origin } = options;
  const localArn = (arn: string) => {
    const parts = arn.split(':'); // arn:aws:sqs:<region>:<account>:<name>
    if (parts[4] === FAUXQS_ACCOUNT_ID) parts[4] = accountId;
    return parts.join(':');
  };

  // fauxqs moves a message to the dead-letter queue as the same object, so the first queue that
  // enqueued it is its origin.
  const origins = new WeakMap<SqsMessage, string>();

  class LocalSqsStore extends Base {
    originOf(message: SqsMessage): string | undefined {
      return origins.get(message);
    }

    override buildQueueUrl(queueName: string, _port: string, _requestHost: string, _region: string): string {
      return localQueueUrl(origin(), accountId, queueName);
    }

    override createQueue(
      name: string,
      url: string,
      arn: string,
      attributes?: Record<string, string>,
      tags?: Record<string, string>,
    ): SqsQueue {
      const queue = super.createQueue(name, url, localArn(arn), attributes, tags);
      const enqueue = queue.enqueue.bind(queue);
      queue.enqueue = (message) => {
        if (!origins.has(message)) origins.set(message, queue.arn);
        enqueue(message);
      };
      return queue;
    }

    // fauxqs' actions look queues up by ARNs they build under its own account (CreateQueue's
    // idempotency check, GetQueueUrl), so those are read as ARNs under the configured one.
    override getQueueByArn(arn: string): SqsQueue | undefined {
      return super.getQueueByArn(localArn(arn));
    }

    override getQueue(url: string): SqsQueue | undefined {
      const queue = super.getQueue(url);
      // fauxqs moves messages whose delay or visibility timeout ran out only when a receive runs, so
      // GetQueueAttributes would still count them as delayed or in flight; every action that names a
      // queue looks it up here, and settling the timers first is what a receive would do anyway.
      queue?.processTimers();
      return queue;
    }
  }

  return new LocalSqsStore();
}

/** Visible, in-flight and delayed counts of a queue. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
  /** Age of the oldest visible message; absent when none is visible. */
  oldestAgeSeconds?: number;
}

/** The depth of `queue` at `nowMs`, read from its state without changing it. */
export function queueDepthOf(queue: QueueSnapshot, nowMs: number): QueueDepth {
  const { ready, delayed, inflight } = queue.messages;
  // Timers are settled lazily (see getQueue above), so entries whose time is up are counted as visible.
  const due = delayed.filter((message) => (message.delayUntil ?? 0) <= nowMs);
  const expired = inflight.filter((entry) => entry.visibilityDeadline <= nowMs).map((entry) => entry.message);
  const visible = [...ready, ...due, ...expired];
  const depth: QueueDepth = {
    visible: visible.length,
    inFlight: inflight.length - expired.length,
    delayed: delayed.length - due.length,
  };
  if (visible.length > 0) {
    const oldest = visible.reduce((min, message) => Math.min(min, message.sentTimestamp), nowMs);
    depth.oldestAgeSeconds = Math.max(0, Math.floor((nowMs - oldest) / 1000));
  }
  return depth;
}
