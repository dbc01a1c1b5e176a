/**
 * bench:ledger — ECS task-state-change events through the task-state-change handler and the DynamoDB
 * ledger, against two baselines on the same DynamoDB Local, in the same run:
 *   raw       as many small plain UpdateItem calls as event deliveries (no condition, no history);
 *   replayed  the very UpdateItem requests the handler sent, replayed raw at the same concurrency on a
 *             table in the same state: the handler's own overhead, apart from the data model's cost.
 * The handler is the one Lambda runs, so any read or write it adds on the event path is counted.
 *
 *   npm run bench:ledger [-- --jobs 400 --concurrency 16 --duplicates 0.1]
 *
 * Prints events per second for all three, the job item's size after each lifecycle step, DynamoDB
 * writes per event and per job, and ends with
 * `ratio=<ledger/raw> replay_ratio=<ledger/replayed> writes_per_event=<n> writes_per_job=<n>`.
 * It measures; it does not pass or fail.
 */
import { parseArgs } from 'node:util';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { createDeps, ensureLedgerTable } from '@stevedore/aws';
import { keys } from '@stevedore/aws/ledger';
import type { HandlerDeps } from '@stevedore/control';
import { jobPolicy, jobSource, parseConfig, resourceNames } from '@stevedore/core/config';
import { decide, newJob, s3JobId } from '@stevedore/core/job';
import { HANDLERS } from '@stevedore/functions';
import { startDynamoDbLocal } from '@stevedore/local';
import { newTaskArn, taskLifecycle } from '../test/support/ecs-events';
import { itemSize } from './support/item-size';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '16' },
    duplicates: { type: 'string', default: '0.1' },
  },
});
const JOBS = Number(values.jobs);
const CONCURRENCY = Number(values.concurrency);
const DUPLICATES = Number(values.duplicates);

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

function counted(endpoint: string) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const counts = { writes: 0, reads: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (WRITE_COMMANDS.has(String(context.commandName))) counts.writes += 1;
      else counts.reads += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countWrites' },
  );
  return { client, counts };
}

/** Runs `work(i)` for i in [0, n) with at most `limit` at once. */
async function pool(n: number, limit: number, work: (i: number) => Promise<void>, label: string) {
  let next = 0;
  let done = 0;
  const started = Date.now();
  // Progress on a terminal; one line per phase when the output is captured.
  const report = setInterval(
    () => process.stderr.isTTY && process.stderr.write(`\r  ${label}: ${done}/${n}`),
    500,
  );
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) {
        const i = next++;
        await work(i);
        done += 1;
      }
    }),
  );
  clearInterval(report);
  process.stderr.write(`\r  ${label}: ${done}/${n} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const config = parseConfig({
  tasks: { resize: { image: 'resize:1', cpu: 256, memory: 512 } },
  pipelines: { photos: { bucket: 'inbox', task: 'resize', retry: { attempts: 2 } } },
});
const source = jobSource(config, 'photos');
if (!source) throw new Error('bench config has no pipeline');
const policy = jobPolicy(config, source);

type BenchJob = { job: ReturnType<typeof newJob>; taskArn: string; deliveries: unknown[] };

/** The handler's dependencies: the ledger, and nothing else it may touch for these events. */
function handlerDeps(client: DynamoDBClient, table: string, applied: { count: number }): HandlerDeps {
  const refuse = () => Promise.reject(new Error('bench: task-state-change should not call this'));
  return {
    ...createDeps({
      config,
      names: resourceNames(config.app, 'bench'),
      table,
      clients: { dynamodb: client },
      logger: {
        debug() {},
        info: (message) => {
          if (message === 'transition') applied.count += 1;
        },
        warn() {},
        error: (message, fields) => {
          throw new Error(`bench: handler error ${message} ${JSON.stringify(fields)}`);
        },
      },
    }),
    launcher: { runTask: refuse, stopTask: refuse, describeTasks: refuse, listTasks: refuse },
  };
}

/** Creates and launches every job (untimed), then applies all their event deliveries (timed). */
async function runLedger(endpoint: string, table: string, jobs: BenchJob[], now: Date, label: string) {
  const side = counted(endpoint);
  const applied = { count: 0 };
  const deps = handlerDeps(side.client, table, applied);
  const ledger = deps.jobs;
  await pool(
    jobs.length,
    CONCURRENCY,
    async (i) => {
      const { job, taskArn } = jobs[i] as BenchJob;
      await ledger.createJob(job);
      const event = { type: 'launched', attempt: 1, taskArn } as const;
      const launched = decide({ jobId: job.jobId, source: 'photos', event, now, policy });
      if (launched) await ledger.applyPatch(job.jobId, launched.patch);
    },
    `${label}: create + launch`,
  );
  const writesBefore = side.counts.writes;
  const readsBefore = side.counts.reads;
  // The UpdateItem requests each job's events produced, in order, for the replayed baseline.
  const sent = new Map<string, UpdateItemCommandInput[]>();
  side.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand') {
        const input = structuredClone(args.input) as UpdateItemCommandInput;
        const pk = String(input.Key?.pk?.S);
        sent.set(pk, [...(sent.get(pk) ?? []), input]);
      }
      return next(args);
    },
    { step: 'build', name: 'captureUpdates' },
  );
  const handler = HANDLERS['task-state-change'](deps);
  const start = performance.now();
  await pool(
    jobs.length,
    CONCURRENCY,
    async (i) => {
      for (const event of (jobs[i] as BenchJob).deliveries) await handler(event);
    },
    `${label}: events`,
  );
  const ledgerSeconds = (performance.now() - start) / 1000;
  side.client.destroy();
  return {
    ledgerSeconds,
    sent: jobs.map((b) => sent.get(keys.job(b.job.jobId).pk) ?? []),
    applied: applied.count,
    eventWrites: side.counts.writes - writesBefore,
    eventReads: side.counts.reads - readsBefore,
    totalWrites: side.counts.writes,
  };
}

/** The baseline: as many plain UpdateItem calls (no condition, no history) as event deliveries. */
async function runRaw(endpoint: string, table: string, jobs: BenchJob[], label: string) {
  const side = counted(endpoint);
  const start = performance.now();
  await pool(
    jobs.length,
    CONCURRENCY,
    async (i) => {
      const { deliveries } = jobs[i] as BenchJob;
      for (let k = 0; k < deliveries.length; k++) {
        await side.client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: { S: `JOB#${i}` }, sk: { S: 'JOB' } },
            UpdateExpression: 'SET #s = :s, #v = :v',
            ExpressionAttributeNames: { '#s': 'state', '#v': 'taskVersion' },
            ExpressionAttributeValues: { ':s': { S: 'RUNNING' }, ':v': { N: String(k) } },
          }),
        );
      }
    },
    label,
  );
  const seconds = (performance.now() - start) / 1000;
  side.client.destroy();
  return { seconds };
}

/** The handler's own UpdateItem requests, replayed raw, job by job in order, at the same concurrency. */
async function runReplay(
  endpoint: string,
  table: string,
  jobs: BenchJob[],
  sent: UpdateItemCommandInput[][],
  label: string,
) {
  // The same starting state: every job created and launched, as the ledger run had them.
  const setup = counted(endpoint);
  const applied = { count: 0 };
  const ledger = handlerDeps(setup.client, table, applied).jobs;
  const now = new Date();
  await pool(
    jobs.length,
    CONCURRENCY,
    async (i) => {
      const { job, taskArn } = jobs[i] as BenchJob;
      await ledger.createJob(job);
      const event = { type: 'launched', attempt: 1, taskArn } as const;
      const launched = decide({ jobId: job.jobId, source: 'photos', event, now, policy });
      if (launched) await ledger.applyPatch(job.jobId, launched.patch);
    },
    `${label}: create + launch`,
  );
  setup.client.destroy();
  const side = counted(endpoint);
  let refused = 0;
  const start = performance.now();
  await pool(
    jobs.length,
    CONCURRENCY,
    async (i) => {
      for (const input of sent[i] ?? []) {
        try {
          await side.client.send(new UpdateItemCommand({ ...input, TableName: table }));
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          refused += 1;
        }
      }
    },
    label,
  );
  const seconds = (performance.now() - start) / 1000;
  side.client.destroy();
  return { seconds, requests: sent.reduce((n, s) => n + s.length, 0), refused };
}

/** The job item's size after each step of one job's life, read back from the table. */
async function itemSizes(endpoint: string, table: string, job: BenchJob['job'], now: Date) {
  const side = counted(endpoint);
  const applied = { count: 0 };
  const deps = handlerDeps(side.client, table, applied);
  const sizeNow = async () => {
    const { Item } = await side.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: keys.job(job.jobId).pk }, sk: { S: 'JOB' } } }),
    );
    return itemSize(Item);
  };
  const sizes: [string, number][] = [];
  await deps.jobs.createJob(job);
  sizes.push(['created', await sizeNow()]);
  const taskArn = newTaskArn();
  const launched = decide({
    jobId: job.jobId,
    source: 'photos',
    event: { type: 'launched', attempt: 1, taskArn },
    now,
    policy,
  });
  if (launched) await deps.jobs.applyPatch(job.jobId, launched.patch);
  sizes.push(['launched', await sizeNow()]);
  const handler = HANDLERS['task-state-change'](deps);
  for (const event of taskLifecycle({ jobId: job.jobId, attempt: 1, taskArn, exitCode: 0 })) {
    await handler(event);
    sizes.push([String((event.detail as { lastStatus: string }).lastStatus), await sizeNow()]);
  }
  side.client.destroy();
  return sizes;
}

async function main() {
  process.stderr.write('starting DynamoDB Local (in memory)...\n');
  const dynamo = await startDynamoDbLocal({ startTimeoutMs: 180_000 });
  try {
    const setup = counted(dynamo.endpoint);
    for (const table of [
      'warm-ledger',
      'warm-raw',
      'warm-replay',
      'bench-ledger',
      'bench-raw',
      'bench-replay',
      'sizes',
    ])
      await ensureLedgerTable(setup.client, table);

    // Each job: created, launched, then its task's eight lifecycle events; some delivered twice and
    // each job's stream shuffled a little, as EventBridge does.
    const now = new Date();
    const jobs = Array.from({ length: JOBS }, (_, i) => {
      const job = newJob(
        {
          jobId: s3JobId('photos', 'inbox', `img-${i}.jpg`, i.toString(16)),
          kind: 'pipeline',
          source: 'photos',
          task: 'resize',
          maxAttempts: 2,
          timeoutSeconds: 600,
          input: { S3_BUCKET: 'inbox', S3_KEY: `img-${i}.jpg` },
        },
        now,
      );
      const taskArn = newTaskArn();
      const events = taskLifecycle({ jobId: job.jobId, attempt: 1, taskArn, exitCode: 0 });
      const deliveries: unknown[] = events.flatMap((e) => (Math.random() < DUPLICATES ? [e, e] : [e]));
      for (let k = deliveries.length - 1; k > 0; k--) {
        if (Math.random() < 0.2) [deliveries[k], deliveries[k - 1]] = [deliveries[k - 1], deliveries[k]];
      }
      return { job, taskArn, deliveries };
    });
    const totalEvents = jobs.reduce((n, j) => n + j.deliveries.length, 0);

    // Warm the JVM up on both paths first, so neither side pays for it.
    const warm = await runLedger(dynamo.endpoint, 'warm-ledger', jobs.slice(0, 50), now, 'warm-up: ledger');
    await runRaw(dynamo.endpoint, 'warm-raw', jobs.slice(0, 50), 'warm-up: raw');
    await runReplay(dynamo.endpoint, 'warm-replay', jobs.slice(0, 50), warm.sent, 'warm-up: replayed');

    const ledgerRun = await runLedger(dynamo.endpoint, 'bench-ledger', jobs, now, 'ledger');
    const rawRun = await runRaw(dynamo.endpoint, 'bench-raw', jobs, 'raw UpdateItem');
    const replayRun = await runReplay(
      dynamo.endpoint,
      'bench-replay',
      jobs,
      ledgerRun.sent,
      'replayed UpdateItem',
    );
    const sizes = await itemSizes(
      dynamo.endpoint,
      'sizes',
      { ...(jobs[0] as BenchJob).job, jobId: s3JobId('photos', 'inbox', 'sizes.jpg', 'ff') },
      now,
    );
    const { ledgerSeconds, eventWrites, eventReads, applied, totalWrites } = ledgerRun;
    const rawSeconds = rawRun.seconds;

    const ledgerRate = totalEvents / ledgerSeconds;
    const rawRate = totalEvents / rawSeconds;
    const writesPerEvent = eventWrites / totalEvents;
    const writesPerJob = totalWrites / JOBS;
    console.log('');
    console.log(
      `jobs                      ${JOBS} (concurrency ${CONCURRENCY}, ${Math.round(DUPLICATES * 100)}% duplicated deliveries, 20% adjacent swaps)`,
    );
    console.log(
      `events delivered          ${totalEvents} (${applied} applied, ${totalEvents - applied} stale or duplicate no-ops)`,
    );
    console.log(`ledger                    ${ledgerRate.toFixed(0)} events/s`);
    console.log(`raw UpdateItem            ${rawRate.toFixed(0)} writes/s`);
    const replayRate = replayRun.requests / replayRun.seconds;
    // Same requests, so the same count: the replayed rate is per request, the ledger's per request too.
    const ledgerRequestRate = replayRun.requests / ledgerSeconds;
    console.log(
      `replayed UpdateItem       ${replayRate.toFixed(0)} requests/s (${replayRun.requests} requests the handler sent, ${replayRun.refused} refused by their condition, as for the handler)`,
    );
    console.log(`ledger, per request       ${ledgerRequestRate.toFixed(0)} requests/s`);
    console.log(
      `job item size by step     ${sizes.map(([step, bytes]) => `${step} ${bytes}`).join(', ')} (bytes)`,
    );
    console.log(`reads on the event path   ${eventReads}`);
    console.log(`writes per event          ${writesPerEvent.toFixed(3)}`);
    console.log(
      `writes per job            ${writesPerJob.toFixed(2)} (create 1 + launch 1 + one per delivered event)`,
    );
    console.log(
      `ratio=${(ledgerRate / rawRate).toFixed(3)} replay_ratio=${(ledgerRequestRate / replayRate).toFixed(3)} writes_per_event=${writesPerEvent.toFixed(3)} writes_per_job=${writesPerJob.toFixed(2)}`,
    );
    setup.client.destroy();
  } finally {
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
