import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureLedgerTable, ledgerStores } from '@stevedore/aws';
import { jobPolicy, jobSource, parseConfig } from '@stevedore/core/config';
import { parseTaskStateChange, snapshotOfDetail } from '@stevedore/core/events';
import { decide, type Job, type JobEvent, newJob, s3JobId, transition } from '@stevedore/core/job';
import type { JobStore, ScalingStore, SlotStore } from '@stevedore/core/ports';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshLedgerTable, LOCAL_CREDENTIALS, localDynamoClient } from '../../support/dynamodb';
import { newTaskArn, taskLifecycle } from '../../support/ecs-events';

const config = parseConfig({
  tasks: { thumbnailer: { image: 'thumbnailer:1', cpu: 256, memory: 512 } },
  pipelines: {
    thumbnails: {
      bucket: 'inbox',
      task: 'thumbnailer',
      retry: { attempts: 3, rules: [{ onExitCode: '2', action: 'EXIT' }] },
    },
  },
});
const source = jobSource(config, 'thumbnails');
if (!source) throw new Error('the test config has no thumbnails pipeline');
const policy = jobPolicy(config, source);
const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let counter = 0;
function aJob(createdAt = T0): Job {
  counter += 1;
  return newJob(
    {
      jobId: s3JobId('thumbnails', 'inbox', `photo-${counter}.jpg`, `${counter}`),
      kind: 'pipeline',
      source: 'thumbnails',
      task: 'thumbnailer',
      maxAttempts: 3,
      timeoutSeconds: 600,
      input: { S3_BUCKET: 'inbox', S3_KEY: `photo-${counter}.jpg` },
    },
    createdAt,
  );
}

function taskEvent(raw: Record<string, unknown>): JobEvent {
  return { type: 'task', task: snapshotOfDetail(parseTaskStateChange(raw).detail) };
}

/** Sends the event's patch to the ledger the way the handler does: one UpdateItem, no read. */
async function applyEvent(store: JobStore, jobId: string, event: JobEvent, now: Date) {
  const decision = decide({ jobId, source: 'thumbnails', event, now, policy });
  if (!decision) throw new Error('the event concerns no attempt');
  return store.applyPatch(jobId, decision.patch);
}

/** Counts the DynamoDB commands a client sends, by name. */
function countCommands(client: DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

const withoutVolatile = ({ history: _history, updatedAt: _updatedAt, ...rest }: Job) => rest;

let client: DynamoDBClient;
let table: string;
let jobs: JobStore;
let slots: SlotStore;
let scaling: ScalingStore;

beforeAll(async () => {
  client = localDynamoClient();
  table = await freshLedgerTable(client);
  ({ jobs, slots, scaling } = ledgerStores({ tableName: table, client, clock: { now: () => at(0) } }));
});
afterAll(() => client.destroy());

describe('creating jobs', () => {
  it('creates a job once; the same id again returns the first one untouched', async () => {
    const job = aJob();

    const first = await jobs.createJob(job);
    const again = await jobs.createJob({ ...job, input: { S3_KEY: 'something else' } });

    expect(first.created).toBe(true);
    expect(again).toEqual({ created: false, job });
    expect(await jobs.getJob(job.jobId)).toEqual(job);
  });
});

describe('applying task events', () => {
  it('stores exactly the job the pure state machine computes, one UpdateItem per event and no read', async () => {
    const counting = localDynamoClient();
    const counts = countCommands(counting);
    const counted = ledgerStores({ tableName: table, client: counting }).jobs;
    const job = aJob();
    await jobs.createJob(job);
    const taskArn = newTaskArn();
    const events: JobEvent[] = [
      { type: 'launched', attempt: 1, taskArn },
      ...taskLifecycle({ jobId: job.jobId, attempt: 1, taskArn, exitCode: 1 }).map(taskEvent),
    ];
    let expected = job;

    for (const [i, event] of events.entries()) {
      expected = transition(expected, event, at(i + 1), policy).next;
      const result = await applyEvent(counted, job.jobId, event, at(i + 1));
      expect(result).toEqual({ applied: true, job: expected });
    }

    expect(expected.state).toBe('SUBMITTED');
    expect(expected.attempt).toBe(2);
    expect(Object.fromEntries(counts)).toEqual({ UpdateItemCommand: events.length });
    counting.destroy();
  });

  it('treats duplicate and stale events as no-ops that return the current job', async () => {
    const job = aJob();
    await jobs.createJob(job);
    const lifecycle = taskLifecycle({ jobId: job.jobId, attempt: 1, exitCode: 0 }).map(taskEvent);
    const running = lifecycle[3] as JobEvent;
    await applyEvent(jobs, job.jobId, running, at(1));
    const before = await jobs.getJob(job.jobId);

    const duplicate = await applyEvent(jobs, job.jobId, running, at(2));
    const stale = await applyEvent(jobs, job.jobId, lifecycle[1] as JobEvent, at(3));

    expect(duplicate).toEqual({ applied: false, current: before });
    expect(stale).toEqual({ applied: false, current: before });
    expect(await jobs.getJob(job.jobId)).toEqual(before);
  });

  it('never creates an item for an event of an unknown job', async () => {
    const jobId = s3JobId('thumbnails', 'inbox', 'never-created', '1');
    const event = taskEvent(taskLifecycle({ jobId, attempt: 1, exitCode: 0 })[0] as Record<string, unknown>);

    const result = await applyEvent(jobs, jobId, event, at(1));

    expect(result).toEqual({ applied: false });
    expect(await jobs.getJob(jobId)).toBeUndefined();
  });

  it('ends in the in-order job whatever the order and duplication of events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 2, 137),
        fc.array(fc.nat(7), { minLength: 8, maxLength: 20 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 20, maxLength: 20 }),
        async (exitCode, extra, keys) => {
          const job = aJob();
          await jobs.createJob(job);
          const taskArn = newTaskArn();
          const events = taskLifecycle({ jobId: job.jobId, attempt: 1, taskArn, exitCode }).map(taskEvent);
          let inOrder = job;
          for (const event of events) inOrder = transition(inOrder, event, at(1), policy).next;
          // Every event at least once, some twice or more, shuffled.
          const deliveries = [...events.keys(), ...extra]
            .map((index, i) => ({ index, key: keys[i % keys.length] ?? 0 }))
            .sort((a, b) => a.key - b.key);

          for (const { index } of deliveries)
            await applyEvent(jobs, job.jobId, events[index] as JobEvent, at(1));

          const stored = await jobs.getJob(job.jobId);
          expect(stored && withoutVolatile(stored)).toEqual(withoutVolatile(inOrder));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('lets exactly one of two racing writers win, and loses nothing', async () => {
    const job = aJob();
    await jobs.createJob(job);
    const taskArn = newTaskArn();
    const lifecycle = taskLifecycle({ jobId: job.jobId, attempt: 1, taskArn, exitCode: 0 }).map(taskEvent);
    const launched: JobEvent = { type: 'launched', attempt: 1, taskArn };
    const stopped = lifecycle.at(-1) as JobEvent;

    // The launcher records STARTING while the STOPPED event arrives; and 20 deliveries of one event race.
    const [launch, stop] = await Promise.all([
      applyEvent(jobs, job.jobId, launched, at(1)),
      applyEvent(jobs, job.jobId, stopped, at(1)),
    ]);
    const copies = await Promise.all(
      Array.from({ length: 20 }, () => applyEvent(jobs, job.jobId, stopped, at(2))),
    );

    const final = await jobs.getJob(job.jobId);
    expect(stop.applied).toBe(true);
    expect(final?.state).toBe('SUCCEEDED');
    expect(final?.taskArn).toBe(taskArn);
    expect(final?.attempts['1']?.containers[0]?.exitCode).toBe(0);
    expect(copies.every((c) => !c.applied)).toBe(true);
    // If the launch write came first it is in the history; if not, it was refused: never both lost.
    const historyStates = final?.history.map((h) => h.state);
    expect(historyStates?.filter((s) => s === 'SUCCEEDED')).toHaveLength(1);
    expect(historyStates?.includes('STARTING')).toBe(launch.applied);
  });
});

describe('listing', () => {
  let listTable: string;
  let listed: JobStore;
  const created: Job[] = [];

  beforeAll(async () => {
    listTable = await freshLedgerTable(client);
    listed = ledgerStores({
      tableName: listTable,
      client,
      retentionDays: 1,
      clock: { now: () => at(0) },
    }).jobs;
    for (let i = 0; i < 27; i++) {
      const job = aJob(at(i));
      created.push(job);
      await listed.createJob(job);
    }
    // Finish every third job.
    for (const job of created.filter((_, i) => i % 3 === 0)) {
      await listed.applyPatch(job.jobId, {
        guard: { attempt: 1, states: ['SUBMITTED'], noTask: true },
        set: { state: 'CANCELLED', updatedAt: at(100).toISOString(), finishedAt: at(100).toISOString() },
        remove: ['notBefore'],
        history: { at: at(100).toISOString(), state: 'CANCELLED', attempt: 1 },
      });
    }
  });

  it('pages through a pipeline newest first, with no job skipped or repeated', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listed.listJobs({
        source: 'thumbnails',
        limit: 10,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.jobs.map((j) => j.jobId));
      cursor = page.cursor;
      pages += 1;
    } while (cursor);

    expect(seen).toEqual([...created].reverse().map((j) => j.jobId));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('filters by a final state across pages, newest first', async () => {
    const cancelled = await listed.listJobs({ state: 'CANCELLED', limit: 4 });
    const next = cancelled.cursor
      ? await listed.listJobs({ state: 'CANCELLED', limit: 100, cursor: cancelled.cursor })
      : { jobs: [] };

    const ids = [...cancelled.jobs, ...next.jobs].map((j) => j.jobId);
    expect(ids).toEqual(
      created
        .filter((_, i) => i % 3 === 0)
        .reverse()
        .map((j) => j.jobId),
    );
  });

  it('lists open jobs of a source, and waiting ones by due time', async () => {
    const open = await listed.openJobs('thumbnails', { limit: 100 });
    const due = await listed.openJobs('thumbnails', { dueBy: at(5), limit: 100 });

    expect(open.jobs.map((j) => j.jobId).sort()).toEqual(
      created
        .filter((_, i) => i % 3 !== 0)
        .map((j) => j.jobId)
        .sort(),
    );
    expect(due.jobs.map((j) => j.createdAt)).toEqual(
      [at(1), at(2), at(4), at(5)].map((d) => d.toISOString()),
    );
  });

  it('lists the open jobs that have a task by job id, between inclusive bounds', async () => {
    const launched = [7, 8, 10, 11].map((i) => (created[i] as Job).jobId).sort();
    const [first, second, third] = launched as [string, string, string, string];
    for (const jobId of launched) {
      await applyEvent(listed, jobId, { type: 'launched', attempt: 1, taskArn: newTaskArn() }, at(50));
    }
    const ids = async (active: { from?: string; through?: string }) =>
      (await listed.openJobs('thumbnails', { active, limit: 100 })).jobs.map((j) => j.jobId);

    expect(await ids({})).toEqual(launched);
    expect(await ids({ from: second })).toEqual(launched.slice(1));
    expect(await ids({ through: second })).toEqual(launched.slice(0, 2));
    expect(await ids({ from: second, through: third })).toEqual(launched.slice(1, 3));
    // The waiting ones are not among them, and still listed by due time.
    const due = await listed.openJobs('thumbnails', { dueBy: at(30), limit: 100 });
    expect(due.jobs.map((j) => j.jobId)).not.toContain(first);
    expect(due.jobs).toHaveLength(18 - launched.length);
  });

  it('hides finished jobs whose retention has passed', async () => {
    const later = ledgerStores({ tableName: listTable, client, clock: { now: () => at(2 * 86400) } }).jobs;
    const finished = created[0] as Job;

    expect(await later.getJob(finished.jobId)).toBeUndefined();
    expect((await later.listJobs({ state: 'CANCELLED' })).jobs).toEqual([]);
    expect((await later.listJobs({ source: 'thumbnails', limit: 100 })).jobs).toHaveLength(18);
  });
});

describe('concurrency slots', () => {
  it('holds at most cap slots, even when many take them at once; releasing is idempotent', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => slots.acquireSlot('capped', `job-${i}#1`, 5)),
    );

    expect(results.filter(Boolean)).toHaveLength(5);
    const holders = Object.keys(await slots.slotHolders('capped'));
    expect(holders).toHaveLength(5);
    const holder = holders[0] as string;
    expect(await slots.acquireSlot('capped', holder, 5)).toBe(true);
    expect(await slots.acquireSlot('capped', 'late#1', 5)).toBe(false);

    await slots.releaseSlot('capped', holder);
    await slots.releaseSlot('capped', holder);
    await slots.releaseSlot('never-used', 'nobody#1');

    expect(Object.keys(await slots.slotHolders('capped'))).toHaveLength(4);
    expect(await slots.acquireSlot('capped', 'late#1', 5)).toBe(true);
    expect(await slots.acquireSlot('capped', 'later#1', 5)).toBe(false);
  });
});

describe('endpoint configuration', () => {
  it('honours AWS_ENDPOINT_URL_DYNAMODB when no client is given', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
    try {
      const fromEnv = ledgerStores({ tableName: table }).jobs;
      const job = aJob();
      await fromEnv.createJob(job);
      expect(await jobs.getJob(job.jobId)).toEqual(job);
    } finally {
      process.env = saved;
    }
  });

  it('creates the table only once', async () => {
    expect(await ensureLedgerTable(client, table)).toBe(false);
  });
});

describe('workers in the ledger', () => {
  const decision = (at: number, desired: number, reason = 'tick: scale out to 2: ...') => ({
    worker: 'resize',
    service: 'app-local-resize',
    at: new Date(T0.getTime() + at * 1000).toISOString(),
    observation: { visible: 12, inFlight: 0, delayed: 0, desired: 0, running: 0, pending: 0, protected: 0 },
    previous: 0,
    desired,
    change: desired !== 0,
    reason,
  });

  it('records one decision per version: of two deciders racing, exactly one wins', async () => {
    const record = await scaling.workerRecord('resize', 'app-local-resize');
    const results = await Promise.all([
      scaling.recordDecision(decision(1, 2), { visibleStreak: 0 }, record.version),
      scaling.recordDecision(decision(1, 3), { visibleStreak: 0 }, record.version),
    ]);

    expect(results.filter(Boolean)).toHaveLength(1);
    const after = await scaling.workerRecord('resize', 'app-local-resize');
    expect(after.version).toBe(record.version + 1);
    expect([2, 3]).toContain(after.lastDecision?.desired);
  });

  it('keeps decisions as history newest first, except those it is told to skip', async () => {
    const service = 'app-local-history';
    let version = 0;
    for (const [at, history] of [
      [10, true],
      [20, false],
      [30, true],
    ] as const) {
      expect(
        await scaling.recordDecision(
          { ...decision(at, at), service },
          { visibleStreak: 0 },
          version,
          history,
        ),
      ).toBe(true);
      version += 1;
    }

    const { decisions } = await scaling.decisions(service);
    expect(decisions.map((d) => d.desired)).toEqual([30, 10]);
    // And one page at a time, through the cursor.
    const first = await scaling.decisions(service, { limit: 1 });
    const rest = await scaling.decisions(service, {
      limit: 5,
      ...(first.cursor ? { cursor: first.cursor } : {}),
    });
    expect([...first.decisions, ...rest.decisions].map((d) => d.desired)).toEqual([30, 10]);
    expect((await scaling.workerRecord('resize', service)).lastDecision?.desired).toBe(30);
  });

  it("keeps the view of a service's tasks current, whatever order their events arrive in", async () => {
    const service = 'app-local-view';
    await scaling.recordServiceTask(service, 'task-a', 'RUNNING', 4);
    await scaling.recordServiceTask(service, 'task-a', 'PENDING', 2); // stale
    await scaling.recordServiceTask(service, 'task-b', 'PROVISIONING', 1);
    expect((await scaling.workerRecord('w', service)).tasks).toEqual({
      'task-a': 'RUNNING',
      'task-b': 'PROVISIONING',
    });

    await scaling.recordServiceTask(service, 'task-a', 'STOPPED', 8);
    await scaling.recordServiceTask(service, 'task-a', 'RUNNING', 5); // late, must not revive it
    expect((await scaling.workerRecord('w', service)).tasks).toEqual({ 'task-b': 'PROVISIONING' });
  });
});
