import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ensureLedgerTable, ObjectListingError, S3ObjectLister } from '@stevedore/aws';
import { ledgerTableDefinition } from '@stevedore/aws/ledger';
import { backfill, countMatchingObjects, type HandlerDeps } from '@stevedore/control';
import { type Config, parseConfig } from '@stevedore/core/config';
import type { Job } from '@stevedore/core/job';
import {
  type LocalS3Sqs,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
  startLocalS3Sqs,
} from '@stevedore/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectCreated } from '../../../functions/object-created';
import { LOCAL_CREDENTIALS } from '../../support/dynamodb';
import { ACCOUNT, jobWorldForFile } from '../../support/job-harness';

/*
 * Backfill (packages/control/src/operations/backfill.ts) over the local S3 stand-in (fauxqs, listed
 * with the real SDK's ListObjectsV2, a few keys a page so the listing pages) and DynamoDB Local, jobs
 * launched on the local ECS endpoint. What an operator checks: which objects got a job, that a second
 * backfill creates none, that an object whose upload made a job is left alone, and that a dry run
 * only counts.
 */

const TASK = { image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sweeptest:1`, cpu: 256, memory: 512 };
const BUCKET = 'media';

/** `.jpg` under `photos/`, at most 1,000 bytes; a cap of 3 keeps most jobs waiting (few processes). */
const CONFIG: Config = parseConfig({
  app: 'sweeptest',
  tasks: { succeed: TASK },
  pipelines: {
    photos: {
      bucket: BUCKET,
      prefix: 'photos/',
      suffix: '.jpg',
      maxSize: 1000,
      task: 'succeed',
      concurrency: 3,
    },
  },
});

const world = jobWorldForFile();
let dir: string;
let storage: LocalS3Sqs;
let s3: S3Client;
const uploads: Record<string, unknown>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stevedore-backfill-'));
  storage = await startLocalS3Sqs({
    region: 'us-east-1',
    accountId: ACCOUNT,
    dataDir: dir,
    buckets: [BUCKET],
    queues: [],
    onObjectCreated: (event) => uploads.push(event),
  });
  s3 = new S3Client({
    endpoint: storage.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
});
afterAll(async () => {
  s3?.destroy();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function put(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** Deps on a fresh ledger, listing the stand-in 7 keys a page. */
async function backfillDeps(): Promise<HandlerDeps> {
  const { deps } = await world.harness(CONFIG);
  return { ...deps, objects: new S3ObjectLister({ client: s3, pageSize: 7 }) };
}

async function jobsOf(deps: HandlerDeps): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.jobs.listJobs({ source: 'photos', limit: 100, ...(cursor ? { cursor } : {}) });
    jobs.push(...page.jobs);
    cursor = page.cursor;
  } while (cursor);
  return jobs;
}

const keysOf = (jobs: readonly Job[]) => jobs.map((job) => job.input.S3_KEY).sort();

/** Fifty matching objects under a prefix of their own, and four that the rule does not select. */
async function fillPrefix(prefix: string): Promise<string[]> {
  const keys = Array.from({ length: 50 }, (_, i) => `photos/${prefix}/img-${String(i).padStart(2, '0')}.jpg`);
  for (const key of keys) await put(key, `pixels of ${key}`);
  await put(`photos/${prefix}/notes.txt`, 'not a photo'); // suffix
  await put(`photos/${prefix}/huge.jpg`, 'x'.repeat(1001)); // over maxSize
  await put(`elsewhere/${prefix}/img.jpg`, 'outside the prefix');
  await put(`photos/${prefix}.jpg/`, ''); // a "folder" marker: its key does not end in .jpg
  return keys;
}

describe('backfill', () => {
  it('creates a job for exactly the objects the rule selects, and a second run creates none', async () => {
    const deps = await backfillDeps();
    const keys = await fillPrefix('first');
    const progress: number[] = [];

    const counted = await countMatchingObjects(deps, 'photos');
    const first = await backfill(deps, 'photos', { onProgress: (p) => progress.push(p.created) });
    const second = await backfill(deps, 'photos');

    expect(counted).toBe(50);
    expect(first).toMatchObject({ listed: 53, matched: 50, created: 50, alreadyHadJob: 0, withoutJob: 50 });
    expect(first.jobIds).toHaveLength(50);
    expect(progress.at(-1)).toBe(50);
    expect(second).toMatchObject({ listed: 53, matched: 50, created: 0, alreadyHadJob: 50, jobIds: [] });
    const jobs = await jobsOf(deps);
    expect(keysOf(jobs)).toEqual(keys);
    // Launched as the upload would have been: three at once under the cap, the rest waiting their turn.
    expect(jobs.filter((job) => job.taskArn !== undefined)).toHaveLength(3);
    expect(jobs.filter((job) => job.state === 'SUBMITTED' && !job.taskArn)).toHaveLength(47);
    const job = jobs.find((j) => j.input.S3_KEY === keys[0]);
    expect(job?.input).toMatchObject({ S3_BUCKET: BUCKET, S3_SIZE: String(`pixels of ${keys[0]}`.length) });
    expect(job?.input.S3_ETAG).toMatch(/^[0-9a-f]{32}$/);
  });

  it('leaves alone an object whose upload made its job, and backfills one whose content changed since', async () => {
    const deps = await backfillDeps();
    uploads.length = 0;
    await put('photos/second/uploaded.jpg', 'uploaded normally');
    await put('photos/second/changed.jpg', 'first version');
    for (const event of uploads.splice(0)) await objectCreated(deps)(event);
    await put('photos/second/changed.jpg', 'second version'); // its event is lost: no job for this content
    uploads.length = 0;
    const fromUpload = await jobsOf(deps);

    const summary = await backfill(deps, 'photos');

    expect(keysOf(fromUpload)).toEqual(['photos/second/changed.jpg', 'photos/second/uploaded.jpg']);
    const jobs = await jobsOf(deps);
    const created = jobs.filter((job) => summary.jobIds.includes(job.jobId));
    expect(created.map((job) => job.input.S3_KEY)).not.toContain('photos/second/uploaded.jpg');
    expect(created.map((job) => job.input.S3_KEY)).toContain('photos/second/changed.jpg');
    expect(jobs.filter((job) => job.input.S3_KEY === 'photos/second/uploaded.jpg')).toHaveLength(1);
    expect(summary.alreadyHadJob).toBe(1);
  });

  it('a dry run counts what it would create and creates nothing', async () => {
    const deps = await backfillDeps();
    await fillPrefix('dry');

    const summary = await backfill(deps, 'photos', { dryRun: true });

    expect(summary).toMatchObject({ dryRun: true, created: 0, jobIds: [] });
    // Every prefix this file filled so far is in the bucket; this ledger is new, so none has a job.
    expect(summary.withoutJob).toBe(summary.matched);
    expect(summary.matched).toBeGreaterThanOrEqual(100);
    expect(await jobsOf(deps)).toEqual([]);
  });

  it('on a stage (launch: false) records the jobs SUBMITTED for the sweeper, and starts no task', async () => {
    const deps = await backfillDeps();
    const tasksBefore = world.ecs.tasks().length;

    const summary = await backfill(deps, 'photos', { launch: false });

    expect(summary.created).toBe(summary.matched);
    const jobs = await jobsOf(deps);
    expect(jobs).toHaveLength(summary.matched);
    expect(jobs.every((job) => job.state === 'SUBMITTED' && job.taskArn === undefined)).toBe(true);
    expect(world.ecs.tasks()).toHaveLength(tasksBefore);
  });

  it('names an unknown pipeline and the valid ones; a missing bucket is one clear error', async () => {
    const deps = await backfillDeps();
    const missing = parseConfig({
      app: 'sweeptest',
      tasks: { succeed: TASK },
      pipelines: { gone: { bucket: 'no-such-bucket', task: 'succeed' } },
    });
    const { deps: goneDeps } = await world.harness(missing);

    await expect(backfill(deps, 'videos')).rejects.toThrow(
      'no pipeline "videos" in the config (pipelines: photos)',
    );
    await expect(
      backfill({ ...goneDeps, objects: new S3ObjectLister({ client: s3 }) }, 'gone'),
    ).rejects.toThrow(ObjectListingError);
  });
});

describe('a ledger table made before the jobs-of-an-object index', () => {
  // Its own DynamoDB Local: adding an index in place is table-level work that the shared instance,
  // busy with every other file's tables, was seen to leave CREATING past the test's time.
  let own: RunningDynamoDbLocal;
  beforeAll(async () => {
    // A second JVM on a loaded machine can take well over 30 s to answer.
    own = await startDynamoDbLocal({ startTimeoutMs: 180_000 });
  }, 200_000);
  afterAll(async () => {
    await own?.stop();
  });

  it('gets the index when the runtime starts on it', async () => {
    const client = new DynamoDBClient({
      endpoint: own.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
    });
    const name = `old-ledger-${Date.now()}`;
    const definition = ledgerTableDefinition(name);
    await client.send(
      new CreateTableCommand({
        ...definition,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.filter((i) => i.IndexName !== 'GSI4'),
        AttributeDefinitions: definition.AttributeDefinitions?.filter(
          (a) => !a.AttributeName?.startsWith('GSI4'),
        ),
      }),
    );

    await ensureLedgerTable(client, name);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual([
      'GSI1',
      'GSI2',
      'GSI3',
      'GSI4',
      'GSI5',
      'GSI6',
      'GSI7',
    ]);
    client.destroy();
  }, 150_000);
});
