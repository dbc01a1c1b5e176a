import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { jobToItem } from '@stevedore/aws/ledger';
import type { Job } from '@stevedore/core/job';
import { newTaskArn, taskLifecycle } from './ecs-events';
import {
  deliver,
  LAUNCHED_AT,
  launch,
  policyOf,
  runAttempt,
  snapshotOf,
  submittedJob,
  thumbnailsConfig,
} from './jobs';

/*
 * Many jobs written straight into a ledger table, item by item as the job store writes them
 * (jobToItem), without running their lifecycles: a listing can then be measured over 100,000 jobs in
 * the time DynamoDB Local takes to store them. Each generated job is a copy of a job that really went
 * through the state machine (a succeeded one, a failed one, a waiting one, a running one) under its
 * own id, source and times, so items have realistic sizes and index entries.
 */

/** What share of the generated jobs ends in each state (the rest SUCCEEDED). */
export interface JobMix {
  failed: number;
  submitted: number;
  running: number;
}

export interface GenerateOptions {
  count: number;
  /** Sources the jobs are spread over, round robin. */
  sources: readonly string[];
  mix?: JobMix;
  /** BatchWriteItem calls in flight at once. */
  parallel?: number;
  /** Creation time of job 0; job i is created i seconds later. */
  start?: Date;
}

const BATCH = 25;
const DEFAULT_MIX: JobMix = { failed: 0.01, submitted: 0.01, running: 0.01 };

/** The state of job i: spread evenly (a fixed stride, not random), so counts are exact. */
function stateOf(i: number, mix: JobMix): 'FAILED' | 'SUBMITTED' | 'RUNNING' | 'SUCCEEDED' {
  const slot = (i * 7919) % 10_000;
  if (slot < mix.failed * 10_000) return 'FAILED';
  if (slot < (mix.failed + mix.submitted) * 10_000) return 'SUBMITTED';
  if (slot < (mix.failed + mix.submitted + mix.running) * 10_000) return 'RUNNING';
  return 'SUCCEEDED';
}

/** One job of each state, through the real state machine. */
function templates(): Record<ReturnType<typeof stateOf>, Job> {
  const policy = policyOf(thumbnailsConfig({ attempts: 1 }));
  const submitted = submittedJob(policy);
  const taskArn = newTaskArn();
  const events = taskLifecycle({
    jobId: submitted.jobId,
    attempt: 1,
    taskArn,
    start: LAUNCHED_AT,
    exitCode: 0,
  });
  const upToRunning = events.slice(0, events.findIndex((e) => snapshotOf(e).lastStatus === 'RUNNING') + 1);
  return {
    SUBMITTED: submitted,
    SUCCEEDED: runAttempt(submitted, policy, { exitCode: 0 }).job,
    FAILED: runAttempt(submitted, policy, { exitCode: 1 }).job,
    RUNNING: deliver(launch(submitted, taskArn, policy), upToRunning, policy),
  };
}

/** The i-th generated job: a template under its own id, source and times. */
export function generatedJob(i: number, options: GenerateOptions, base = templates()): Job {
  const state = stateOf(i, options.mix ?? DEFAULT_MIX);
  const source = options.sources[i % options.sources.length] as string;
  const createdAt = new Date((options.start ?? new Date('2026-01-01T00:00:00Z')).getTime() + i * 1000);
  const template = base[state];
  const shift = createdAt.getTime() - Date.parse(template.createdAt);
  const moved = (at: string | undefined) =>
    at === undefined ? undefined : new Date(Date.parse(at) + shift).toISOString();
  const jobId = `${source}-${i.toString(16).padStart(20, '0')}`;
  const job: Job = {
    ...template,
    jobId,
    source,
    createdAt: createdAt.toISOString(),
    updatedAt: moved(template.updatedAt) as string,
    input: { S3_BUCKET: 'media-uploads', S3_KEY: `incoming/${i}.jpg` },
  };
  if (template.finishedAt) job.finishedAt = moved(template.finishedAt) as string;
  if (template.notBefore) job.notBefore = moved(template.notBefore) as string;
  return job;
}

/** Writes `count` generated jobs with BatchWriteItem, `parallel` calls at once, retrying unprocessed items. */
export async function generateJobs(client: DynamoDBClient, table: string, options: GenerateOptions) {
  const base = templates();
  const retentionDays = 3650;
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const from = next;
      next = Math.min(options.count, next + BATCH);
      let requests = Array.from({ length: next - from }, (_, k) => ({
        PutRequest: {
          Item: marshall(jobToItem(generatedJob(from + k, options, base), retentionDays), {
            removeUndefinedValues: true,
          }),
        },
      }));
      for (let round = 0; requests.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** round)));
        const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
        requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 8 }, worker));
}

/** How many of `count` generated jobs are in each state. */
export function generatedStates(options: Pick<GenerateOptions, 'count' | 'mix'>): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < options.count; i++) {
    const state = stateOf(i, options.mix ?? DEFAULT_MIX);
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return counts;
}
