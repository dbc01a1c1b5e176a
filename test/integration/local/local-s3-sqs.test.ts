import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SqsGauge } from '@stevedore/aws';
import { parseObjectCreated } from '@stevedore/core/events';
import { LocalConfigError, type LocalS3Sqs, PortInUseError, startLocalS3Sqs } from '@stevedore/local';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEvent } from '../../support/fixtures';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const BUCKET = 'inbox';
const QUEUE = 'work';

type Event = Record<string, unknown>;
const detail = (event: Event | undefined) => parseObjectCreated(event).detail;
const md5 = (bytes: Uint8Array | string) => createHash('md5').update(bytes).digest('hex');
const unquote = (etag: string | undefined) => etag?.replaceAll('"', '');

const UNUSUAL_KEYS = [
  'uploads/a b/photo 1.jpg',
  'c++/1+1=2.txt',
  '100%/50%25 done',
  'ünïcödé/日本語/😀.png',
  'hash#tag?query=1&x=y',
  'sp ecial/!$&\'()*,;=:@~[]{}^|`<>"\\',
  'a//double/slash/',
  '/leading-slash',
];

let dir: string;
let storage: LocalS3Sqs;
const events: Event[] = [];
let listener: (event: Event) => void = (event) => events.push(event);

const s3Client = (overrides: S3ClientConfig = {}) =>
  new S3Client({ endpoint: storage.endpoint, region: REGION, credentials: CREDENTIALS, ...overrides });
const sqsClient = () =>
  new SQSClient({ endpoint: storage.endpoint, region: REGION, credentials: CREDENTIALS });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stevedore-s3-sqs-'));
  storage = await startLocalS3Sqs({
    region: REGION,
    accountId: ACCOUNT,
    buckets: [BUCKET, 'archive'],
    queues: [{ name: QUEUE }, { name: 'slow', attributes: { VisibilityTimeout: '1' } }],
    onObjectCreated: (event) => listener(event),
  });
});
afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  events.length = 0;
  listener = (event) => events.push(event);
});

async function readObject(client: S3Client, bucket: string, key: string) {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { ...got, bytes: Buffer.from((await got.Body?.transformToByteArray()) ?? []) };
}

describe('S3 Object Created events', () => {
  it('emits one event per PutObject, shaped like the S3 User Guide example', async () => {
    const s3 = s3Client({ forcePathStyle: true });

    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'example-key', Body: 'hello' }));

    expect(events).toHaveLength(1);
    const event = events[0] as Event;
    const fixture = loadEvent('s3', 'object-created');
    const fixtureDetail = fixture.detail as Record<string, unknown>;
    const { 'version-id': _, ...fixtureObject } = fixtureDetail.object as Record<string, unknown>;
    expect(Object.keys(event).sort()).toEqual(Object.keys(fixture).sort());
    expect(Object.keys(event.detail as Event).sort()).toEqual(Object.keys(fixtureDetail).sort());
    expect(Object.keys(detail(event).object).sort()).toEqual(Object.keys(fixtureObject).sort());
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: ACCOUNT,
      region: REGION,
      resources: [`arn:aws:s3:::${BUCKET}`],
      detail: {
        version: '0',
        bucket: { name: BUCKET },
        object: { key: 'example-key', size: 5, etag: md5('hello') },
        'request-id': put.$metadata.requestId,
        requester: ACCOUNT,
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(unquote(put.ETag)).toBe(md5('hello'));
  });

  it('reports CopyObject as CopyObject, with the copy’s raw key and etag', async () => {
    const s3 = s3Client();
    const source = 'src dir/ä+b#1.txt';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: source, Body: 'copied bytes' }));
    events.length = 0;

    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: 'archive',
        Key: 'copies/ä b+c.txt',
        CopySource: `${BUCKET}/${encodeURIComponent(source)}`,
      }),
    );

    expect(events.map((event) => detail(event).reason)).toEqual(['CopyObject']);
    expect(events[0]).toMatchObject({
      resources: ['arn:aws:s3:::archive'],
      detail: {
        bucket: { name: 'archive' },
        object: { key: 'copies/ä b+c.txt', size: 12, etag: unquote(copy.CopyObjectResult?.ETag) },
      },
    });
    expect((await readObject(s3, 'archive', 'copies/ä b+c.txt')).bytes.toString()).toBe('copied bytes');
  });

  it('reports a multipart upload once, as CompleteMultipartUpload with the multipart etag', async () => {
    const s3 = s3Client();
    const key = 'big/video 1.mp4';
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1234)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const etags: string[] = [];
    for (const [index, body] of parts.entries()) {
      // The last part is streamed, so it travels aws-chunked.
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          PartNumber: index + 1,
          Body: index === 0 ? body : Readable.from([body]),
          ContentLength: body.length,
        }),
      );
      etags.push(part.ETag ?? '');
    }
    expect(events).toHaveLength(0);
    expect(unquote(etags[1])).toBe(md5(parts[1] ?? ''));

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );

    expect(events.map((event) => detail(event).reason)).toEqual(['CompleteMultipartUpload']);
    const object = detail(events[0]).object;
    expect(object).toMatchObject({ key, size: 5 * 1024 * 1024 + 1234, etag: unquote(done.ETag) });
    expect(object.etag).toMatch(/^[0-9a-f]{32}-2$/);
    expect(md5((await readObject(s3, BUCKET, key)).bytes)).toBe(md5(Buffer.concat(parts)));
  });

  it.each([true, false])('keeps unusual keys raw and exact (forcePathStyle: %s)', async (forcePathStyle) => {
    const s3 = s3Client({ forcePathStyle });

    for (const key of UNUSUAL_KEYS) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` }));
    }

    expect(events.map((event) => detail(event).object.key)).toEqual(UNUSUAL_KEYS);
    for (const key of UNUSUAL_KEYS) {
      expect((await readObject(s3, BUCKET, key)).bytes.toString()).toBe(`body of ${key}`);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(expect.arrayContaining(UNUSUAL_KEYS));
  });

  it.each([
    ['PutObject', (key: string) => new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' })],
    [
      'CreateMultipartUpload',
      (key: string) => new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }),
    ],
  ])(
    'answers %s with a key over 1,024 UTF-8 bytes with KeyTooLongError, as S3 does, and stores nothing',
    async (_action, command) => {
      const s3 = s3Client();
      // 1,025 bytes in 513 UTF-16 units; 1,024 bytes is stored.
      const tooLong = `${'é'.repeat(512)}x`;
      const atTheLimit = `${'é'.repeat(511)}xx`;

      const refused = await s3.send(command(tooLong)).catch((error: unknown) => error);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: atTheLimit, Body: 'x' }));

      expect(refused).toMatchObject({
        name: 'KeyTooLongError',
        message: 'Your key is too long',
        $metadata: { httpStatusCode: 400 },
      });
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'é' }));
      expect(listed.Contents?.map((object) => object.Key)).toEqual([atTheLimit]);
      expect(events.map((event) => detail(event).object.key)).toEqual([atTheLimit]);
    },
  );

  it('uses path-style URLs on 127.0.0.1 even without forcePathStyle', async () => {
    const s3 = s3Client();
    const seen: { hostname?: string; path?: string }[] = [];
    s3.middlewareStack.add(
      (next) => async (args) => {
        seen.push(args.request as { hostname?: string; path?: string });
        return next(args);
      },
      { step: 'finalizeRequest' },
    );

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'style/check.txt', Body: 'x' }));

    expect(seen).toMatchObject([{ hostname: '127.0.0.1', path: `/${BUCKET}/style/check.txt` }]);
  });

  it('hands out hex sequencers that only grow, also for the same key', async () => {
    const s3 = s3Client();
    for (const key of ['seq/a', 'seq/a', 'seq/b', 'seq/a', 'seq/a']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }

    const sequencers = events.map((event) => detail(event).object.sequencer);
    expect(sequencers).toHaveLength(5);
    for (const [index, sequencer] of sequencers.entries()) {
      expect(sequencer).toMatch(/^[0-9a-f]{16}$/);
      if (index > 0) expect(sequencer > (sequencers[index - 1] ?? '')).toBe(true);
    }
  });

  it('fires only once the object is readable', async () => {
    const s3 = s3Client();
    const reads: Promise<Buffer>[] = [];
    listener = (event) => {
      const { bucket, object } = detail(event);
      reads.push(readObject(s3, bucket.name, object.key).then((got) => got.bytes));
    };

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ready/now.txt', Body: 'first' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ready/later.txt', Body: 'second' }));

    expect((await Promise.all(reads)).map(String)).toEqual(['first', 'second']);
  });

  it('stores a streamed upload byte for byte (aws-chunked with a trailing checksum, the SDK default)', async () => {
    const s3 = s3Client();
    const chunks = [randomBytes(64 * 1024), randomBytes(100_000), randomBytes(3)];
    const whole = Buffer.concat(chunks);
    const encodings: (string | undefined)[] = [];
    s3.middlewareStack.add(
      (next) => async (args) => {
        encodings.push((args.request as { headers: Record<string, string> }).headers['content-encoding']);
        return next(args);
      },
      { step: 'finalizeRequest' },
    );

    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'stream/blob.bin',
        Body: Readable.from(chunks),
        // PutObject needs a length, on AWS too; a stream of unknown length goes through lib-storage.
        ContentLength: whole.length,
      }),
    );

    expect(encodings).toEqual(['aws-chunked']);
    const got = await readObject(s3, BUCKET, 'stream/blob.bin');
    expect(got.bytes.equals(whole)).toBe(true);
    expect(detail(events[0]).object).toMatchObject({ size: whole.length, etag: md5(whole) });
  });
});

describe('persistence', () => {
  it('reloads objects after a restart with the same data directory, without replaying events', async () => {
    const dataDir = join(dir, 's3');
    const firstEvents: Event[] = [];
    const options = {
      region: REGION,
      accountId: ACCOUNT,
      dataDir,
      buckets: [BUCKET],
      queues: [],
    };
    const first = await startLocalS3Sqs({ ...options, onObjectCreated: (event) => firstEvents.push(event) });
    const s3 = new S3Client({ endpoint: first.endpoint, region: REGION, credentials: CREDENTIALS });
    const weird = UNUSUAL_KEYS[4] ?? '';
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: weird,
        Body: 'kept',
        ContentType: 'text/plain; charset=utf-8',
        Metadata: { origin: 'camera 1' },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'gone.txt', Body: 'deleted' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone.txt' }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multi.bin' }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: 'multi.bin', UploadId, PartNumber: 1, Body: 'one part' }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multi.bin',
        UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag ?? '', PartNumber: 1 }] },
      }),
    );
    const before = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: weird }));
    const multiBefore = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'multi.bin' }));
    await first.close();

    const secondEvents: Event[] = [];
    const second = await startLocalS3Sqs({
      ...options,
      onObjectCreated: (event) => secondEvents.push(event),
    });
    const again = new S3Client({ endpoint: second.endpoint, region: REGION, credentials: CREDENTIALS });
    try {
      const kept = await readObject(again, BUCKET, weird);
      expect(kept.bytes.toString()).toBe('kept');
      expect(kept).toMatchObject({
        ContentType: 'text/plain; charset=utf-8',
        Metadata: { origin: 'camera 1' },
        ETag: before.ETag,
        LastModified: before.LastModified,
      });
      const multi = await readObject(again, BUCKET, 'multi.bin');
      expect(multi.bytes.toString()).toBe('one part');
      expect(multi.ETag).toBe(multiBefore.ETag);
      expect(multi.ETag).toMatch(/-1"$/);
      await expect(
        again.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'gone.txt' })),
      ).rejects.toMatchObject({
        name: 'NoSuchKey',
      });
      expect(secondEvents).toHaveLength(0);

      await again.send(new PutObjectCommand({ Bucket: BUCKET, Key: weird, Body: 'newer' }));
      const lastBefore = firstEvents.map((event) => detail(event).object.sequencer).at(-1) ?? '';
      expect(detail(secondEvents[0]).object.sequencer > lastBefore).toBe(true);
    } finally {
      await second.close();
    }
  });
});

describe('SQS', () => {
  const url = () => storage.queueUrls[QUEUE] ?? '';
  const counts = async (sqs: SQSClient, queueUrl: string) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: Number(Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
      delayed: Number(Attributes?.ApproximateNumberOfMessagesDelayed),
    };
  };

  it('names queues on 127.0.0.1 under the configured account', () => {
    expect(storage.queueUrls).toEqual({
      [QUEUE]: `${storage.endpoint}/${ACCOUNT}/${QUEUE}`,
      slow: `${storage.endpoint}/${ACCOUNT}/slow`,
    });
    expect(storage.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers CreateQueue and GetQueueUrl for a queue made at start with its URL', async () => {
    const sqs = sqsClient();

    const created = await sqs.send(new CreateQueueCommand({ QueueName: QUEUE }));
    const found = await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['QueueArn'] }),
    );

    expect([created.QueueUrl, found.QueueUrl]).toEqual([url(), url()]);
    expect(Attributes?.QueueArn).toBe(`arn:aws:sqs:${REGION}:${ACCOUNT}:${QUEUE}`);
  });

  it("SqsGauge finds a queue's URL by name (as on AWS) and reads its depth", async () => {
    const sqs = sqsClient();
    const gauge = new SqsGauge({ client: sqs });
    await sqs.send(new SendMessageCommand({ QueueUrl: url(), MessageBody: 'gauge' }));
    try {
      expect(await gauge.queueUrl(QUEUE)).toBe(url());
      expect(await gauge.depth(QUEUE)).toMatchObject({ visible: 1, inFlight: 0 });
      await expect(gauge.depth('no-such-queue')).rejects.toThrow(/no-such-queue/);
    } finally {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url() }));
      for (const m of Messages ?? [])
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url(), ReceiptHandle: m.ReceiptHandle }));
    }
  });

  it('sends, long-polls, hides, re-shows and deletes messages, and counts them', async () => {
    const sqs = sqsClient();
    const warn = vi.spyOn(console, 'warn');

    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url(), WaitTimeSeconds: 5 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.send(new SendMessageCommand({ QueueUrl: url(), MessageBody: 'first' }));
    const polled = await polling;
    expect(polled.Messages?.map((message) => message.Body)).toEqual(['first']);
    expect(storage.queueDepth(QUEUE)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });

    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url(),
        Entries: [
          { Id: 'a', MessageBody: 'second' },
          { Id: 'b', MessageBody: 'third' },
          { Id: 'c', MessageBody: 'later', DelaySeconds: 1 },
        ],
      }),
    );
    expect(batch.Successful).toHaveLength(3);
    expect(await counts(sqs, url())).toEqual({ visible: 2, inFlight: 1, delayed: 1 });
    expect(storage.queueDepth(QUEUE)).toMatchObject({ visible: 2, inFlight: 1, delayed: 1 });
    expect(storage.queueDepth(QUEUE).oldestAgeSeconds).toBeGreaterThanOrEqual(0);

    const receiptHandle = polled.Messages?.[0]?.ReceiptHandle ?? '';
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url(),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect(storage.queueDepth(QUEUE)).toMatchObject({ visible: 3, inFlight: 0, delayed: 1 });

    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(), MaxNumberOfMessages: 10 }));
    expect(received.Messages?.map((message) => message.Body).sort()).toEqual(['first', 'second', 'third']);
    for (const message of received.Messages ?? []) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: url(), ReceiptHandle: message.ReceiptHandle ?? '' }),
      );
    }
    expect(await counts(sqs, url())).toEqual({ visible: 0, inFlight: 0, delayed: 1 });

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const depth = storage.queueDepth(QUEUE);
    expect(depth).toMatchObject({ visible: 1, inFlight: 0, delayed: 0 });
    expect(depth.oldestAgeSeconds).toBeGreaterThanOrEqual(1);
    expect(await counts(sqs, url())).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    const late = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url() }));
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url(), ReceiptHandle: late.Messages?.[0]?.ReceiptHandle ?? '' }),
    );
    expect(storage.queueDepth(QUEUE)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    // The QueueUrl's origin is the endpoint's, so the client never redirects (and never warns).
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('counts a message whose visibility timeout ran out as visible again', async () => {
    const sqs = sqsClient();
    const slow = storage.queueUrls.slow ?? '';
    await sqs.send(new SendMessageCommand({ QueueUrl: slow, MessageBody: 'retry me' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: slow }));
    expect(storage.queueDepth('slow')).toMatchObject({ visible: 0, inFlight: 1 });

    await new Promise((resolve) => setTimeout(resolve, 1050));

    expect(storage.queueDepth('slow')).toMatchObject({ visible: 1, inFlight: 0 });
    expect(await counts(sqs, slow)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });
});

describe('configuration', () => {
  it('serves S3 and SQS clients configured only through AWS_ENDPOINT_URL_S3 / _SQS', async () => {
    const env = {
      AWS_ENDPOINT_URL_S3: storage.endpoint,
      AWS_ENDPOINT_URL_SQS: storage.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const warn = vi.spyOn(console, 'warn');
    try {
      const s3 = new S3Client({});
      const sqs = new SQSClient({});

      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'env/configured.txt', Body: 'via env' }));
      await sqs.send(new SendMessageCommand({ QueueUrl: storage.queueUrls[QUEUE], MessageBody: 'via env' }));
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: storage.queueUrls[QUEUE] }));

      expect((await readObject(s3, BUCKET, 'env/configured.txt')).bytes.toString()).toBe('via env');
      expect(received.Messages?.map((message) => message.Body)).toEqual(['via env']);
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: storage.queueUrls[QUEUE],
          ReceiptHandle: received.Messages?.[0]?.ReceiptHandle ?? '',
        }),
      );
      expect(warn).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllEnvs();
      warn.mockRestore();
    }
  });

  it('close() ends a pending long poll and leaves no timer or server behind', async () => {
    const count = (kind: string) => process.getActiveResourcesInfo().filter((name) => name === kind).length;
    const before = { timers: count('Timeout'), servers: count('TCPServerWrap') };
    const local = await startLocalS3Sqs({
      region: REGION,
      accountId: ACCOUNT,
      buckets: [],
      queues: [{ name: 'idle' }],
      onObjectCreated: () => {},
    });
    const sqs = new SQSClient({
      endpoint: local.endpoint,
      region: REGION,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    const polling = sqs
      .send(new ReceiveMessageCommand({ QueueUrl: local.queueUrls.idle, WaitTimeSeconds: 20 }))
      .catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(count('Timeout')).toBeGreaterThan(before.timers);

    await local.close();
    await polling;
    sqs.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(count('Timeout')).toBeLessThanOrEqual(before.timers);
    expect(count('TCPServerWrap')).toBe(before.servers);
  });

  it('rejects a port in use with PortInUseError', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const starting = startLocalS3Sqs({
        region: REGION,
        accountId: ACCOUNT,
        port,
        buckets: [],
        queues: [],
        onObjectCreated: () => {},
      });
      await expect(starting).rejects.toBeInstanceOf(PortInUseError);
      await expect(starting).rejects.toMatchObject({ port });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('rejects unknown option keys and bad names, naming the option', async () => {
    const options = {
      region: REGION,
      accountId: ACCOUNT,
      buckets: [],
      queues: [],
      onObjectCreated: () => {},
    };
    const typo = { ...options, dataDirectory: dir };

    await expect(startLocalS3Sqs(typo)).rejects.toThrow(LocalConfigError);
    await expect(startLocalS3Sqs(typo)).rejects.toMatchObject({ key: 'options.dataDirectory' });
    await expect(startLocalS3Sqs({ ...options, buckets: ['No_Such'] })).rejects.toMatchObject({
      key: 'options.buckets.0',
      message: expect.stringMatching(/expected an S3 bucket name/),
    });
  });
});
