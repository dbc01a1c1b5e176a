/**
 * bench:cost — what AWS would bill Stevedore's control plane per job, beside the Fargate task the job
 * runs and beside Step Functions Standard running the same task with `ecs:runTask.sync` and retries.
 *
 *   npm run bench:cost [-- --jobs 200 --concurrency 8 --retry-rate 0.1 --task-seconds 60 --rate 1]
 *
 * N jobs go through the real handlers (object-created, task-state-change, job-events) on DynamoDB
 * Local and the local ECS endpoint, whose tasks are real processes emitting ECS's real lifecycle
 * events, each invoking task-state-change only when the deployed rule's pattern matches it; a share of them exits 75 on attempt 1 and is retried by the pipeline's rule (the example's
 * flaky pipeline). Counted: Lambda requests and GB-seconds (each handler call's measured duration,
 * rounded up to 1 ms, at the function's memory from the deploy plan, on arm64 as infra deploys; the
 * job-events function takes the stream records as its mapping's batching window gathers them),
 * DynamoDB read and write units from the real items (bench/support/item-size.ts: AWS's size rules and
 * rounding, the larger of old and new item, index writes), the sweeper's reads of open jobs
 * (modelled) and the storage of each job's item and index entries for the ledger's retention,
 * EventBridge PutEvents entries, SQS requests, CloudWatch Logs bytes. Prices: bench/prices.ts. The task is modelled as running
 * `--task-seconds` per attempt (the local process exits at once). Ends with
 * `cost_ratio_fargate=<control plane / Fargate> cost_ratio_sfn=<control plane / Step Functions>`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { createDeps, ensureLedgerTable, ledgerStores } from '@stevedore/aws';
import type { HandlerDeps } from '@stevedore/control';
import { parseConfig, resourceNames } from '@stevedore/core/config';
import { type EventPattern, eventRoutes, type HandlerName, periodicRoutes } from '@stevedore/core/events';
import { isTerminal, type Job, type JobStateChange, s3JobId } from '@stevedore/core/job';
import type { Logger } from '@stevedore/core/ports';
import { deployPlan } from '@stevedore/deploy';
import { HANDLERS } from '@stevedore/functions';
import { LOCAL_NETWORK, matchesPattern, startDynamoDbLocal, startLocalEcs } from '@stevedore/local';
import { PRICES } from './prices';
import {
  billWrites,
  emptyBill,
  meterRequests,
  readStream,
  storedBytes,
  writeUnitsOf,
} from './support/dynamo-meter';
import { itemSize, readUnits } from './support/item-size';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: process.env.BENCH_COST_JOBS ?? '200' },
    concurrency: { type: 'string', default: '8' },
    'retry-rate': { type: 'string', default: '0.1' },
    'task-seconds': { type: 'string', default: '60' },
    rate: { type: 'string', default: '1' },
  },
});
const JOBS = Number(values.jobs);
const CONCURRENCY = Number(values.concurrency);
const RETRY_RATE = Number(values['retry-rate']);
const TASK_SECONDS = Number(values['task-seconds']);
/** Jobs per second in production: how full the job-events function's stream batches are. */
const RATE = Number(values.rate);

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
/** Lambda's START, END and REPORT lines per invocation, in bytes, as CloudWatch Logs ingests them. */
const PLATFORM_LOG_BYTES = 420;
/** Lambda's event source mapping polls a stream shard about four times a second. */
const STREAM_POLLS_PER_SECOND = 4;
const ARCHITECTURE = 'arm64';

const config = parseConfig({
  app: 'costbench',
  tasks: { work: { image: 'work:1', cpu: 256, memory: 512, architecture: ARCHITECTURE } },
  pipelines: {
    photos: {
      bucket: 'inbox',
      task: 'work',
      timeout: 300,
      // The example's flaky pipeline: 75 is retried, anything else ends the job. Backoff 0 relaunches
      // at once from the STOPPED event (a later one would be launched by the sweeper's periodic run).
      retry: {
        attempts: 3,
        backoff: { initialSeconds: 0 },
        rules: [{ onExitCode: '75', action: 'RETRY' }],
        otherwise: 'EXIT',
      },
    },
  },
});
const names = resourceNames(config.app, 'bench');
/** How often the sweeper runs, as the deployed schedule runs it. */
const SWEEP_PERIOD_SECONDS =
  periodicRoutes(config).find((route) => route.handler === 'sweeper')?.everySeconds ?? 60;
const plan = deployPlan(config, 'bench', { region: REGION, account: ACCOUNT, partition: 'aws' });
/** Each function's memory, as a deploy of this config configures it. */
const MEMORY_MB = new Map(plan.functions.map((f) => [f.handler, f.memoryMb]));
/** How long the job-events function's event source mapping gathers stream records into one batch. */
const BATCHING_WINDOW_SECONDS = plan.jobEvents?.maximumBatchingWindowSeconds ?? 0;
const BATCH_SIZE = plan.jobEvents?.batchSize ?? 100;
// The job-events function is a handler of every config with jobs; its memory if the plan lacked it.
const memoryOf = (handler: HandlerName) => MEMORY_MB.get(handler) ?? 256;

interface Invocation {
  handler: HandlerName;
  ms: number;
  logBytes: number;
}

/** Runs `work(i)` for i in [0, n) with at most `limit` at once. */
async function pool(n: number, limit: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/** The S3 "Object Created" event of object i (the fixture's shape). */
function objectCreated(i: number) {
  const key = `${i % Math.round(1 / Math.max(RETRY_RATE, 1e-9)) === 0 && RETRY_RATE > 0 ? 'retry' : 'ok'}/${i}.csv`;
  return {
    version: '0',
    id: `00000000-0000-0000-0000-${i.toString().padStart(12, '0')}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: ['arn:aws:s3:::inbox'],
    detail: {
      version: '0',
      bucket: { name: 'inbox' },
      object: {
        key,
        size: 1024,
        etag: `${i.toString(16).padStart(32, '0')}`,
        sequencer: i.toString(16).padStart(16, '0'),
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: ACCOUNT,
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}

/** A logger writing what the deployed JSON logger writes, counting its bytes instead of printing them. */
const LOG_BYTES_BY_MESSAGE = new Map<string, number>();

function countingLogger(handler: () => HandlerName, bytes: { count: number }): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({
      level,
      time: new Date().toISOString(),
      message,
      function: `costbench-bench-${handler()}`,
      ...fields,
    });
    LOG_BYTES_BY_MESSAGE.set(message, (LOG_BYTES_BY_MESSAGE.get(message) ?? 0) + Buffer.byteLength(line) + 1);
    bytes.count += Buffer.byteLength(line) + 1;
    if (level === 'error') throw new Error(`bench: handler error ${line}`);
  };
  return { debug() {}, info: write('info'), warn: write('warn'), error: write('error') };
}

async function main() {
  process.stderr.write(
    `bench:cost: ${JOBS} jobs, ${RETRY_RATE * 100}% retried once; starting DynamoDB Local...\n`,
  );
  const dynamo = await startDynamoDbLocal({ startTimeoutMs: 180_000 });
  const logDir = mkdtempSync(join(tmpdir(), 'stevedore-cost-'));
  const invocations: Invocation[] = [];
  const inFlight = new Set<Promise<void>>();
  let current: HandlerName = 'object-created';
  const logBytes = { count: 0 };
  const metered = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials: CREDENTIALS });
  const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials: CREDENTIALS });
  const bill = emptyBill();
  meterRequests(metered, bill, raw);
  let taskHandler: ((event: unknown) => Promise<void>) | undefined;
  // The task-state-change rule's pattern, as infra deploys it and the local bus matches it: only the
  // events it lets through invoke the function.
  let taskRoute: EventPattern | undefined;
  const taskEvents = { emitted: 0, routed: 0 };
  const ecs = await startLocalEcs({
    region: REGION,
    accountId: ACCOUNT,
    cluster: names.cluster,
    taskDefinitions: [
      {
        family: names.taskFamily('work'),
        containerName: 'main',
        image: 'work:1',
        cpu: 256,
        memory: 512,
        architecture: 'arm64',
        env: {},
        stopTimeout: 2,
        command: [
          process.execPath,
          '-e',
          "process.exit(process.env.STEVEDORE_ATTEMPT === '1' && process.env.S3_KEY.startsWith('retry/') ? 75 : 0)",
        ],
      },
    ],
    logDir,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    onTaskStateChange: (event) => {
      taskEvents.emitted += 1;
      if (!taskHandler || !taskRoute || !matchesPattern(taskRoute, event)) return;
      taskEvents.routed += 1;
      const call = invoke('task-state-change', taskHandler, event);
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
    },
    stepDelayMs: 20,
    throttling: false,
  });
  const ecsClient = new ECSClient({ endpoint: ecs.endpoint, region: REGION, credentials: CREDENTIALS });
  const table = 'cost-ledger';
  taskRoute = eventRoutes(config, {
    clusterArn: ecs.clusterArn,
    ruleArn: (id) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${id}`,
    stage: 'bench',
  }).find((route) => route.handler === 'task-state-change')?.pattern;

  /**
   * One Lambda invocation: its duration as Lambda bills it and the log bytes it wrote. Invocations run
   * one at a time, in the order their events came, as each Lambda environment runs one: a duration
   * is then the handler's own, not time spent waiting for another handler in this one process.
   */
  let turn = Promise.resolve();
  function invoke(handler: HandlerName, run: (event: unknown) => Promise<void>, event: unknown) {
    const call = turn.then(async () => {
      current = handler;
      const before = logBytes.count;
      const start = performance.now();
      await run(event);
      const ms = Math.ceil(performance.now() - start);
      invocations.push({ handler, ms, logBytes: logBytes.count - before + PLATFORM_LOG_BYTES });
    });
    turn = call.catch(() => {});
    return call;
  }

  try {
    await ensureLedgerTable(raw, table);
    const deps: HandlerDeps = createDeps({
      config,
      names,
      table,
      clients: { dynamodb: metered, ecs: ecsClient },
      network: LOCAL_NETWORK,
      logger: countingLogger(() => current, logBytes),
    });
    taskHandler = HANDLERS['task-state-change'](deps);
    const objectHandler = HANDLERS['object-created'](deps);

    const started = Date.now();
    await pool(JOBS, CONCURRENCY, (i) => invoke('object-created', objectHandler, objectCreated(i)));
    const jobIds = Array.from({ length: JOBS }, (_, i) => {
      const event = objectCreated(i);
      return s3JobId('photos', 'inbox', event.detail.object.key, event.detail.object.sequencer);
    });
    const reader = ledgerStores({ tableName: table, client: raw }).jobs;
    const finished = new Map<string, Job>();
    for (;;) {
      for (const jobId of jobIds) {
        if (finished.has(jobId)) continue;
        const job = await reader.getJob(jobId);
        if (job && isTerminal(job.state) && inFlight.size === 0) finished.set(jobId, job);
      }
      if (finished.size === JOBS) break;
      process.stderr.write(`\r  ${finished.size}/${JOBS} jobs finished`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await Promise.all(inFlight);
    process.stderr.write(
      `\r  ${JOBS}/${JOBS} jobs finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );

    // Successful writes, from the stream; then the job-events function over the same records.
    const writes = await readStream(dynamo.endpoint, raw, table);
    billWrites(bill, writes);
    const writesPerJob = writes.length / JOBS;
    // Records reach the function as the mapping gathers them: for its batching window (or one poll
    // without one), up to its batch size.
    const gatherSeconds = Math.max(BATCHING_WINDOW_SECONDS, 1 / STREAM_POLLS_PER_SECOND);
    const perInvocation = Math.max(1, Math.min(BATCH_SIZE, Math.floor(RATE * writesPerJob * gatherSeconds)));
    const published: JobStateChange[] = [];
    const eventsDeps: HandlerDeps = {
      ...createDeps({
        config,
        names,
        table,
        clients: { dynamodb: raw },
        logger: countingLogger(() => 'job-events', logBytes),
      }),
      jobEvents: { publish: async (events) => void published.push(...events) },
    };
    const eventsHandler = HANDLERS['job-events'](eventsDeps);
    for (let i = 0; i < writes.length; i += perInvocation) {
      const Records = writes.slice(i, i + perInvocation).map((w) => ({
        ...w.record,
        eventSource: 'aws:dynamodb',
        eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}/stream/2026-01-01T00:00:00.000`,
      }));
      current = 'job-events';
      await invoke('job-events', eventsHandler, { Records });
    }

    report({
      finished: [...finished.values()],
      invocations,
      bill,
      published,
      writes,
      perInvocation,
      taskEvents,
    });
  } finally {
    ecsClient.destroy();
    metered.destroy();
    raw.destroy();
    await ecs.close();
    await dynamo.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

function report(run: {
  finished: Job[];
  invocations: Invocation[];
  bill: ReturnType<typeof emptyBill>;
  published: JobStateChange[];
  writes: Awaited<ReturnType<typeof readStream>>;
  perInvocation: number;
  taskEvents: { emitted: number; routed: number };
}) {
  const { finished, invocations, bill, published, writes } = run;
  const n = finished.length;
  const usd = (x: number) => `$${(x / n).toExponential(3)}`;
  const attempts = finished.reduce((s, j) => s + j.attempt, 0);
  const jobItem = Math.max(...writes.map((w) => itemSize(w.newImage)));
  const lines: [string, number, string][] = [];

  const byHandler = new Map<HandlerName, Invocation[]>();
  for (const call of invocations) byHandler.set(call.handler, [...(byHandler.get(call.handler) ?? []), call]);
  let lambdaUsd = 0;
  for (const [handler, calls] of byHandler) {
    const memoryGb = memoryOf(handler) / 1024;
    const seconds = calls.reduce((s, c) => s + c.ms, 0) / 1000;
    const cost =
      calls.length * PRICES.lambda.perRequest + seconds * memoryGb * PRICES.lambda.perGbSecond[ARCHITECTURE];
    lambdaUsd += cost;
    lines.push([
      `lambda ${handler}`,
      cost,
      `${(calls.length / n).toFixed(2)} calls/job, ${((seconds / calls.length) * 1000).toFixed(1)} ms avg at ${memoryOf(handler)} MB`,
    ]);
  }
  const wru = writeUnitsOf(bill);
  const dynamoUsd = wru * PRICES.dynamodb.perWriteUnit + bill.readUnits * PRICES.dynamodb.perReadUnit;
  lines.push([
    'dynamodb',
    dynamoUsd,
    `${(wru / n).toFixed(2)} WRU/job (items ${(bill.tableWriteUnits / n).toFixed(2)}, indexes ${(bill.indexWriteUnits / n).toFixed(2)}, refused ${(bill.refusedWriteUnits / n).toFixed(2)}), ${(bill.readUnits / n).toFixed(2)} RRU/job`,
  ]);
  // Each job's item as last written, kept (with its index entries) until TTL removes it.
  const lastImages = new Map<string, Record<string, AttributeValue>>();
  for (const write of writes) {
    const key = write.record.dynamodb?.Keys;
    if (key && write.newImage) lastImages.set(JSON.stringify(key), write.newImage);
  }
  const stored = [...lastImages.values()].reduce((total, item) => total + storedBytes(item), 0);
  const retentionMonths = config.ledger.retentionDays / (365 / 12);
  const storageUsd = (stored / 1024 ** 3) * retentionMonths * PRICES.dynamodb.perGbMonth;
  lines.push([
    'dynamodb storage',
    storageUsd,
    `${(stored / n).toFixed(0)} bytes/job (item, index entries, overheads) for ${config.ledger.retentionDays} days (ledger.retentionDays)`,
  ]);
  // The sweeper (not run here: the tasks are modelled as lasting TASK_SECONDS) reads every open job
  // once a sweep: its GSI2 entry and its item by a strongly consistent BatchGetItem, so an attempt
  // of TASK_SECONDS is read about TASK_SECONDS / period times.
  const sweepReads = (attempts * TASK_SECONDS) / SWEEP_PERIOD_SECONDS;
  const sweepReadUnits = sweepReads * readUnits(jobItem, true);
  const sweepUsd = sweepReadUnits * PRICES.dynamodb.perReadUnit;
  lines.push([
    'dynamodb sweeper reads',
    sweepUsd,
    `${(sweepReadUnits / n).toFixed(2)} RRU/job, modelled: read once a ${SWEEP_PERIOD_SECONDS} s sweep while open (the sweep's own invocations are a fixed cost a minute, not per job)`,
  ]);
  const eventsUsd = published.length * PRICES.eventbridge.perCustomEvent;
  lines.push(['eventbridge PutEvents', eventsUsd, `${(published.length / n).toFixed(2)} job events/job`]);
  const sqsRequests = [...bill.requests].filter(([k]) => k.startsWith('SQS')).length;
  lines.push(['sqs', sqsRequests * PRICES.sqs.perRequest, `${sqsRequests} requests (none on the job path)`]);
  const logGb = invocations.reduce((s, c) => s + c.logBytes, 0) / 1024 ** 3;
  const logsUsd = logGb * PRICES.cloudwatch.perLogGb;
  const topLogs = [...LOG_BYTES_BY_MESSAGE]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([message, bytes]) => `'${message}' ${(bytes / n).toFixed(0)}`)
    .join(', ');
  lines.push([
    'cloudwatch logs',
    logsUsd,
    `${((logGb * 1024 ** 3) / n).toFixed(0)} bytes/job ingested (${topLogs}; ${PLATFORM_LOG_BYTES} per call from Lambda)`,
  ]);
  const controlUsd = lambdaUsd + dynamoUsd + storageUsd + sweepUsd + eventsUsd + logsUsd;

  const taskGbSeconds = attempts * TASK_SECONDS;
  const fargateUsd =
    taskGbSeconds *
    ((0.25 * PRICES.fargate.perVcpuHour[ARCHITECTURE]) / 3600 +
      (0.5 * PRICES.fargate.perGbHour[ARCHITECTURE]) / 3600);
  // Step Functions Standard: a Task state (ecs:runTask.sync, Retry on States.TaskFailed) is one
  // transition per attempt; the execution's end is the Task's End, so no further state.
  const sfnTransitions = attempts;
  const sfnUsd = sfnTransitions * PRICES.stepFunctions.perStateTransition;

  const states = new Map<string, number>();
  for (const job of finished) states.set(job.state, (states.get(job.state) ?? 0) + 1);
  console.log('');
  console.log(
    `jobs                      ${n} (${[...states].map(([s, c]) => `${c} ${s}`).join(', ')}), ${(attempts / n).toFixed(2)} attempts/job`,
  );
  console.log(`prices                    ${PRICES.region}, recorded ${PRICES.date} (bench/prices.ts)`);
  console.log(
    `task state changes        ${(run.taskEvents.emitted / n).toFixed(2)}/job emitted by ECS, ${(run.taskEvents.routed / n).toFixed(2)}/job routed to the function`,
  );
  console.log(
    `largest job item          ${jobItem} bytes; ${(writes.length / n).toFixed(2)} item writes/job; job-events batches of ${run.perInvocation} records (at ${RATE} job/s)`,
  );
  console.log('');
  for (const [what, cost, detail] of lines)
    console.log(`${what.padEnd(32)}${usd(cost).padStart(12)}/job  ${detail}`);
  console.log(`${'control plane'.padEnd(32)}${usd(controlUsd).padStart(12)}/job`);
  console.log(
    `${'fargate task'.padEnd(32)}${usd(fargateUsd).padStart(12)}/job  0.25 vCPU / 0.5 GB ${ARCHITECTURE}, ${TASK_SECONDS} s per attempt`,
  );
  console.log(
    `${'step functions standard'.padEnd(32)}${usd(sfnUsd).padStart(12)}/job  ${(sfnTransitions / n).toFixed(2)} state transitions/job (runTask.sync + Retry)`,
  );
  console.log(
    `cost_ratio_fargate=${(controlUsd / fargateUsd).toFixed(4)} cost_ratio_sfn=${(controlUsd / sfnUsd).toFixed(3)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
