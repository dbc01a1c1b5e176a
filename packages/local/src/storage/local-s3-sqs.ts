import { MAX_KEY_BYTES } from '@stevedore/core/job';
import * as v from 'valibot';
import { LocalConfigError, LocalRuntimeError, PortInUseError } from '../errors';
import { buildFauxqsApp, loadFauxqsStores } from './fauxqs-parts';
import { createLocalSqsStore, localQueueUrl, type QueueDepth, queueDepthOf } from './local-sqs-store';
import { MessageMoveTasks, MOVE_TASK_ACTIONS, SqsActionError } from './message-move-tasks';
import { newS3RequestId, type ObjectCreatedReason, objectCreatedEvent } from './object-created-event';
import { createPersistentS3Store, type StoredObjectEvent } from './persistent-s3-store';

/*
 * The S3 + SQS stand-in of `stevedore dev`: fauxqs (an in-memory S3/SQS/SNS emulator on Fastify) on
 * 127.0.0.1, with S3 objects optionally persisted and every object created turned into the
 * EventBridge "Object Created" event that a bucket with EventBridge notifications sends.
 */

export interface LocalS3SqsOptions {
  region: string;
  accountId: string;
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** S3 objects persist under it across restarts (a restart reloads them); in memory when omitted. */
  dataDir?: string;
  /** Created at start (idempotent). */
  buckets: readonly string[];
  /**
   * Created at start, in order (a dead-letter queue before the queue whose RedrivePolicy names it).
   * Queues and messages are never persisted.
   */
  queues: readonly { name: string; attributes?: Record<string, string> }[];
  /**
   * Every object created (PutObject, CopyObject, CompleteMultipartUpload): an EventBridge "Object
   * Created" event, called synchronously before the client is answered; throwing fails the request,
   * and so does a returned promise that rejects (the answer waits for it: the event's fsync).
   */
  onObjectCreated: (event: Record<string, unknown>) => unknown;
}

export interface LocalS3Sqs {
  /** http://127.0.0.1:<port>, for both S3 and SQS clients. */
  endpoint: string;
  /** Queue name to its URL, usable as QueueUrl by a client whose endpoint is `endpoint`. */
  queueUrls: Record<string, string>;
  /** Visible, in-flight and delayed counts of a queue, read without touching it. */
  queueDepth(name: string): QueueDepth;
  close(): Promise<void>;
}

// S3 bucket naming rules (general purpose buckets) and SQS queue names, as AWS enforces them.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const QUEUE_NAME = /^(?:[A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$/;

const OptionsSchema = v.strictObject({
  region: v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected a region such as us-east-1')),
  accountId: v.pipe(v.string(), v.regex(/^\d{12}$/, 'expected a 12-digit account id')),
  port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65_535))),
  dataDir: v.optional(v.pipe(v.string(), v.minLength(1))),
  buckets: v.array(v.pipe(v.string(), v.regex(BUCKET_NAME, 'expected an S3 bucket name'))),
  queues: v.array(
    v.strictObject({
      name: v.pipe(v.string(), v.regex(QUEUE_NAME, 'expected an SQS queue name')),
      attributes: v.optional(v.record(v.string(), v.string())),
    }),
  ),
  onObjectCreated: v.function(),
});

/** What the HTTP request that led to a store call tells about it. */
interface RequestFacts {
  requestId: string;
  sourceIpAddress: string;
  /** CopyObject is a PUT with this header; PutObject is a PUT without it. */
  copy: boolean;
  /** Set when the request stored an object: resolves once its event is durable. */
  durable?: Promise<void>;
}

/** Starts the local S3 + SQS endpoint on 127.0.0.1 with the given buckets and queues. */
export async function startLocalS3Sqs(options: LocalS3SqsOptions): Promise<LocalS3Sqs> {
  validateOptions(options);
  const { region, accountId } = options;
  const classes = await loadFauxqsStores();

  /*
   * Why a request context and not a guess: fauxqs calls the same store.putObject for PutObject and
   * CopyObject, and both answer the same route. The wire protocol is what tells them apart (CopyObject
   * is a PUT carrying x-amz-copy-source), so each request's facts are set as the current request's
   * just while the last preHandler hook hands over to the route: Fastify runs the route's handler
   * inside that call, and fauxqs' handlers call the store synchronously, before their first await.
   * It also gives the event the request id the client sees in x-amz-request-id.
   * Not an AsyncLocalStorage: on Node 20 its first use turns on async hooks for every promise of the
   * process, and the handlers and SDK clients sharing this process make thousands a second.
   */
  let current: RequestFacts | undefined;
  const answeredAfter = new WeakMap<object, RequestFacts>();
  const reasonOf = (stored: StoredObjectEvent, facts: RequestFacts | undefined): ObjectCreatedReason => {
    if (stored.operation === 'complete-multipart') return 'CompleteMultipartUpload';
    return facts?.copy ? 'CopyObject' : 'PutObject';
  };
  const onStored = (stored: StoredObjectEvent) => {
    const facts = current;
    const event = objectCreatedEvent(
      {
        bucket: stored.bucket,
        key: stored.object.key,
        size: stored.object.contentLength,
        etag: stored.object.etag,
        sequencer: stored.sequencer,
        lastModified: stored.object.lastModified,
        reason: reasonOf(stored, facts),
        requestId: facts?.requestId ?? newS3RequestId(),
        sourceIpAddress: facts?.sourceIpAddress ?? '127.0.0.1',
      },
      { region, accountId },
    );
    // The object is stored (and on disk) by now, and the client has not heard back yet: the listener
    // journals the event before the acknowledgement (see bus/event-journal.ts). If it throws (the
    // event could not be journaled: a full disk), the request fails and the SDK retries it, rather
    // than acknowledging an object whose event could be lost.
    const durable = options.onObjectCreated(event);
    if (durable instanceof Promise && facts) facts.durable = durable;
  };

  let origin = '';
  const s3Store = createPersistentS3Store(classes.S3Store, {
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    onStored,
  });
  const sqsStore = createLocalSqsStore(classes.SqsStore, { accountId, origin: () => origin });
  const snsStore = new classes.SnsStore();
  const app = buildFauxqsApp(region, { s3Store, sqsStore, snsStore });
  const moveTasks = new MessageMoveTasks({
    queueByArn: (arn) => sqsStore.getQueueByArn(arn),
    queues: () => sqsStore.listQueues(),
    originOf: (message) => sqsStore.originOf(message),
    copyOf: (message) => classes.SqsStore.createMessage(message.body, message.messageAttributes),
  });

  // fauxqs has no route for the dead-letter redrive actions: they are answered here, on the same
  // endpoint and protocol, before its router would call them unknown.
  app.addHook('preHandler', (request, reply, done) => {
    const target = request.headers['x-amz-target'];
    if (typeof target !== 'string' || !MOVE_TASK_ACTIONS.has(target)) return done();
    let output: Record<string, unknown>;
    try {
      output = moveTasks.handle(target, request.body);
      reply.status(200);
    } catch (error) {
      if (!(error instanceof SqsActionError)) return done(error as Error);
      output = error.toJSON();
      reply.status(400);
      if (error.queryCode) reply.header('x-amzn-query-error', `${error.queryCode};Sender`);
    }
    reply.header('content-type', 'application/x-amz-json-1.0');
    reply.send(JSON.stringify(output));
  });

  // S3 refuses a key over 1,024 bytes (UTF-8) before storing anything; fauxqs would store it.
  app.addHook('preHandler', (request, reply, done) => {
    const key = request.params?.['*'];
    const writes = request.method === 'PUT' || request.method === 'POST';
    if (!writes || key === undefined || Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES) return done();
    const requestId = newS3RequestId();
    reply.status(400);
    reply.header('x-amz-request-id', requestId);
    reply.header('content-type', 'application/xml');
    reply.send(s3ErrorXml('KeyTooLongError', 'Your key is too long', requestId));
  });

  app.addHook('preHandler', (request, reply, done) => {
    const requestId = newS3RequestId();
    // fauxqs sets its own x-amz-request-id only when none is set yet.
    reply.header('x-amz-request-id', requestId);
    const facts: RequestFacts = {
      requestId,
      sourceIpAddress: request.ip,
      copy: request.headers['x-amz-copy-source'] !== undefined,
    };
    answeredAfter.set(request, facts);
    current = facts;
    try {
      done();
    } finally {
      current = undefined;
    }
  });
  // The acknowledgement of a stored object waits until its event is on the disk (see onStored).
  app.addHook('onSend', async (request, _reply, payload) => {
    await answeredAfter.get(request)?.durable;
    return payload;
  });

  for (const bucket of options.buckets) s3Store.createBucket(bucket);

  const port = options.port ?? 0;
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError('The local S3/SQS endpoint', port, { cause: error });
    }
    throw new LocalRuntimeError(`the local S3/SQS endpoint could not listen on 127.0.0.1:${port}`, {
      cause: error,
    });
  }
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await app.close();
    throw new LocalRuntimeError(`the local S3/SQS endpoint is not listening on a TCP port (${address})`);
  }
  origin = `http://127.0.0.1:${address.port}`;

  const queueUrls: Record<string, string> = {};
  for (const queue of options.queues) {
    const url = localQueueUrl(origin, accountId, queue.name);
    const attributes = queue.name.endsWith('.fifo')
      ? { FifoQueue: 'true', ...queue.attributes }
      : queue.attributes;
    const arn = `arn:aws:sqs:${region}:${accountId}:${queue.name}`;
    const existing = sqsStore.getQueueByArn(arn);
    queueUrls[queue.name] = (existing ?? sqsStore.createQueue(queue.name, url, arn, attributes)).url;
  }

  let closing: Promise<void> | undefined;
  return {
    endpoint: origin,
    queueUrls,
    queueDepth(name) {
      const snapshot = sqsStore.inspectQueue(name);
      if (!snapshot) throw new LocalRuntimeError(`the local SQS endpoint has no queue named ${name}`);
      return queueDepthOf(snapshot, Date.now());
    },
    close() {
      // fauxqs' preClose hook ends pending long polls and their timers; close() waits for the server.
      moveTasks.close();
      closing ??= Promise.resolve(app.close()).then(() => undefined);
      return closing;
    },
  };
}

function validateOptions(options: LocalS3SqsOptions): void {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) {
    const [issue] = result.issues;
    const problem = issue.type === 'strict_object' ? 'unknown option' : issue.message;
    throw new LocalConfigError(`options.${v.getDotPath(issue) ?? ''}`, `${problem} (local S3/SQS endpoint)`, {
      cause: new v.ValiError(result.issues),
    });
  }
}

/** An S3 error response body, as S3 writes them. */
function s3ErrorXml(code: string, message: string, requestId: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
  ].join('\n');
}
