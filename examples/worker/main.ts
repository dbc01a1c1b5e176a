/**
 * The example app's queue worker, run as the tasks of an ECS service that Stevedore scales on the
 * queue's depth. Each message body is JSON `{ "id": string, "ms"?: number }`: the worker "works" for
 * `ms` milliseconds (default 200), then writes s3://$RESULTS_BUCKET/$RESULTS_PREFIX<id>.json. runWorker
 * keeps the task protected from scale-in while it holds a message and, on SIGTERM, finishes the
 * messages in hand before the process exits 0.
 *
 * Environment: STEVEDORE_QUEUE_URL (or QUEUE_URL), RESULTS_BUCKET, RESULTS_PREFIX (default
 * worker-results/), and what the SDK reads (AWS_REGION, AWS_ENDPOINT_URL_SQS / _S3 locally).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MalformedMessageError, runWorker, type WorkerMessage } from '@stevedore/worker';

const queueUrl = process.env.STEVEDORE_QUEUE_URL || process.env.QUEUE_URL;
const bucket = process.env.RESULTS_BUCKET;
const prefix = process.env.RESULTS_PREFIX ?? 'worker-results/';
if (!queueUrl || !bucket) {
  console.error('worker: set STEVEDORE_QUEUE_URL (or QUEUE_URL) and RESULTS_BUCKET');
  process.exit(78); // EX_CONFIG: restarting will not help
}

/** Ids become part of an S3 key, so they are held to a plain alphabet. */
const ID = /^[A-Za-z0-9._-]{1,200}$/;
const MAX_WORK_MS = 15 * 60_000;

interface Job {
  id: string;
  ms: number;
}

const s3 = new S3Client({});
const taskArn = readTaskArn();

/**
 * A body that is not a job throws MalformedMessageError: no retry can fix it, so runWorker makes it
 * visible again at once; after the worker's maxReceiveCount receives (5 by default) SQS moves it to the
 * queue's dead-letter queue (`stevedore workers dead-letters jobs`).
 */
function parseJob(message: WorkerMessage): Job {
  let job: unknown;
  try {
    job = JSON.parse(message.body);
  } catch (error) {
    throw new MalformedMessageError('the body is not JSON', { cause: error });
  }
  if (typeof job !== 'object' || job === null)
    throw new MalformedMessageError('the body is not a JSON object');
  const { id, ms = 200 } = job as { id?: unknown; ms?: unknown };
  if (typeof id !== 'string' || !ID.test(id)) throw new MalformedMessageError(`id must match ${ID}`);
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_WORK_MS) {
    throw new MalformedMessageError(`ms must be a number of milliseconds from 0 to ${MAX_WORK_MS}`);
  }
  return { id, ms };
}

/** The task's ARN from the task metadata endpoint (v4), or this process's pid outside ECS. */
async function readTaskArn(): Promise<string> {
  const metadataUri = process.env.ECS_CONTAINER_METADATA_URI_V4;
  if (metadataUri) {
    try {
      const response = await fetch(`${metadataUri}/task`, { signal: AbortSignal.timeout(2000) });
      const task = (await response.json()) as { TaskARN?: unknown };
      if (typeof task.TaskARN === 'string') return task.TaskARN;
    } catch (error) {
      console.error(`worker: no task metadata (${(error as Error).message}); using the pid`);
    }
  }
  return `pid:${process.pid}`;
}

async function handle(message: WorkerMessage): Promise<void> {
  const job = parseJob(message);
  // The work is finished even when a stop is requested: that is what the stopTimeout is for.
  await sleep(job.ms);
  const key = `${prefix}${job.id}.json`;
  const result = {
    id: job.id,
    receiveCount: message.receiveCount,
    taskArn: await taskArn,
    processedAt: new Date().toISOString(),
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(result),
      ContentType: 'application/json',
    }),
  );
  console.log(
    `worker: ${job.id} done in ${job.ms} ms (receive ${message.receiveCount}) -> s3://${bucket}/${key}`,
  );
}

const summary = await runWorker({ queueUrl, handler: handle });
s3.destroy();
console.log(`worker: stopped after ${summary.succeeded} messages (${summary.failed} failed)`);
