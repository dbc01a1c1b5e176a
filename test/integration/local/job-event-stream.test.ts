import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeps } from '@stevedore/aws';
import { applyEvent, type HandlerDeps } from '@stevedore/control';
import { resourceNames } from '@stevedore/core/config';
import { type JobStateChange, newJob, s3JobId } from '@stevedore/core/job';
import type { JobEventPublisher } from '@stevedore/core/ports';
import { JOB_EVENTS_POSITION_FILE, startJobEventStream } from '@stevedore/local';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshLedgerTable, localDynamoClient } from '../../support/dynamodb';
import { newTaskArn, taskLifecycle } from '../../support/ecs-events';
import { taskEvent, thumbnailsConfig } from '../../support/jobs';

/*
 * Job events from real ledger writes: DynamoDB Local's stream of the ledger table, read the way
 * `stevedore dev` reads it, through the same parse and use case as the job-events function. The jobs
 * move by the task-state-change path's own step (applyEvent), which never publishes anything itself.
 */

const dynamo = localDynamoClient();
afterAll(() => dynamo.destroy());

const CONFIG = thumbnailsConfig({ attempts: 2, backoff: { initialSeconds: 0 } });

/** A publisher that keeps what it was given, and refuses the first `failures` calls. */
function recorder(failures = 0): JobEventPublisher & { events: JobStateChange[]; calls: number } {
  const state = {
    events: [] as JobStateChange[],
    calls: 0,
    async publish(events: readonly JobStateChange[]) {
      state.calls += 1;
      if (state.calls <= failures) throw new Error('EventBridge is down');
      state.events.push(...events);
    },
  };
  return state;
}

interface World {
  deps: HandlerDeps;
  table: string;
  stateDir: string;
  /** Starts reading the stream with this publisher; returns the stop. */
  stream(publisher: JobEventPublisher): Promise<() => Promise<void>>;
}

async function world(): Promise<World> {
  const table = await freshLedgerTable(dynamo);
  const stateDir = mkdtempSync(join(tmpdir(), 'stevedore-events-'));
  const base = {
    config: CONFIG,
    names: resourceNames('eventstest', 'local'),
    table,
    clients: { dynamodb: dynamo },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  };
  const deps = createDeps(base);
  return {
    deps,
    table,
    stateDir,
    async stream(publisher) {
      const cleanups: (() => void | Promise<void>)[] = [];
      await startJobEventStream(
        {
          endpoint: inject('dynamoEndpoint'),
          dynamodb: dynamo,
          table,
          stateDir,
          deps: createDeps({ ...base, jobEvents: publisher }),
          idleMs: 20,
        },
        (cleanup) => cleanups.push(cleanup),
      );
      return async () => {
        for (const cleanup of cleanups.reverse()) await cleanup();
      };
    },
  };
}

/** Records a job and runs one attempt through all its task events, as the handlers would. */
async function runJob(deps: HandlerDeps, key: string, exitCode: number): Promise<string> {
  const found = deps.app.source('thumbnails');
  if (!found) throw new Error('no thumbnails pipeline');
  const jobId = s3JobId('thumbnails', 'media-uploads', key, key.length.toString(16).padStart(16, '0'));
  await deps.jobs.createJob(
    newJob(
      {
        jobId,
        kind: 'pipeline',
        source: 'thumbnails',
        task: 'resize',
        maxAttempts: 2,
        timeoutSeconds: 900,
        input: { S3_BUCKET: 'media-uploads', S3_KEY: key, S3_SIZE: '12' },
      },
      deps.clock.now(),
    ),
  );
  for (let attempt = 1; attempt <= 2; attempt++) {
    const taskArn = newTaskArn();
    await applyEvent(deps, jobId, found, { type: 'launched', attempt, taskArn });
    const start = new Date(deps.clock.now().getTime() - 60_000);
    for (const event of taskLifecycle({ start, jobId, attempt, taskArn, exitCode })) {
      await applyEvent(deps, jobId, found, taskEvent(event));
    }
    const job = await deps.jobs.getJob(jobId);
    if (job?.state !== 'SUBMITTED') break;
  }
  return jobId;
}

async function until<T>(check: () => T | undefined, what: string): Promise<T> {
  for (let tries = 0; tries < 400; tries++) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('job events from the ledger stream', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => rmSync(w.stateDir, { recursive: true, force: true }));

  it('one event per transition of real ledger writes, in order, none for the task steps between', async () => {
    const publisher = recorder();
    const stop = await w.stream(publisher);
    try {
      const jobId = await runJob(w.deps, 'incoming/ok.jpg', 0);
      await until(
        () => publisher.events.find((e) => e.jobId === jobId && e.state === 'SUCCEEDED'),
        'SUCCEEDED',
      );
    } finally {
      await stop();
    }

    expect(publisher.events.map((e) => `${e.previousState ?? 'new'}->${e.state}`)).toEqual([
      'new->SUBMITTED',
      'SUBMITTED->STARTING',
      'STARTING->RUNNING',
      'RUNNING->SUCCEEDED',
    ]);
    expect(publisher.events.at(-1)).toMatchObject({
      pipeline: 'thumbnails',
      exitCode: 0,
      input: { bucket: 'media-uploads', key: 'incoming/ok.jpg' },
    });
  });

  it('a failed publish is retried from the same place: nothing lost, and a restart resumes after the last batch', async () => {
    const flaky = recorder(2);
    let stop = await w.stream(flaky);
    const failedId = await runJob(w.deps, 'incoming/bad.jpg', 3);
    await until(() => flaky.events.find((e) => e.jobId === failedId && e.state === 'FAILED'), 'FAILED');
    await stop();

    const ofFailed = flaky.events.filter((e) => e.jobId === failedId);
    expect(flaky.calls).toBeGreaterThan(2);
    expect(ofFailed.map((e) => `${e.change}:${e.state}:${e.attempt}`)).toEqual([
      'created:SUBMITTED:1',
      'state-changed:STARTING:1',
      'state-changed:RUNNING:1',
      'retry-scheduled:SUBMITTED:2',
      'state-changed:STARTING:2',
      'state-changed:RUNNING:2',
      'state-changed:FAILED:2',
    ]);
    expect(ofFailed.at(-1)).toMatchObject({ exitCode: 3, reason: expect.stringContaining('code 3') });
    expect(JSON.parse(readFileSync(join(w.stateDir, JOB_EVENTS_POSITION_FILE), 'utf8'))).toMatchObject({
      streamArn: expect.stringContaining(w.table),
    });

    // Written while nothing reads the stream: the next start publishes it, and nothing from before.
    const laterId = await runJob(w.deps, 'incoming/later.jpg', 0);
    const after = recorder();
    stop = await w.stream(after);
    await until(
      () => after.events.find((e) => e.jobId === laterId && e.state === 'SUCCEEDED'),
      'the later job',
    );
    await stop();
    expect(new Set(after.events.map((e) => e.jobId))).toEqual(new Set([laterId]));
    expect(after.events).toHaveLength(4);
  });
});
