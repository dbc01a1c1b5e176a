import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { keys } from '@stevedore/aws/ledger';
import { type HandlerDeps, holdLease, launchJob, SWEEP_LEASE, sweep } from '@stevedore/control';
import { describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../support/dynamodb';
import { jobWorldForFile, submit } from '../../support/job-harness';

/*
 * The sweeper's lease: short, renewed while a sweep runs, given back when it ends or is stopped, and
 * free again within one lease time of its holder's death, shown with a real process killed with
 * SIGKILL. DynamoDB Local and the local ECS endpoint.
 */

const world = jobWorldForFile();
const CHILD = join(import.meta.dirname, 'programs', 'sweeping-child.ts');
/** Short enough for a test, with renewals ten times as often as the lease runs out. */
const QUICK_LEASE = { ttlMs: 5_000, renewEveryMs: 500 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A launcher whose DescribeTasks waits until `open()`: a sweep held in the middle of its work. */
function gatedDescribe(deps: HandlerDeps) {
  let open = () => {};
  let entered = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const launcher = deps.launcher;
  const gated: HandlerDeps = {
    ...deps,
    launcher: {
      runTask: (request) => launcher.runTask(request),
      stopTask: (taskArn, reason) => launcher.stopTask(taskArn, reason),
      listTasks: (startedBy) => launcher.listTasks(startedBy),
      async describeTasks(taskArns) {
        entered();
        await opened;
        return launcher.describeTasks(taskArns);
      },
    },
  };
  return { gated, reached, open };
}

/** A job with a quiet task (the sweep asks ECS about it), then a due waiting job (the sweep would launch it). */
async function busyLedger(deps: HandlerDeps, clock: { advance(ms: number): void }) {
  const running = await submit(deps, 'slow');
  await launchJob(deps, running);
  clock.advance(21_000);
  // Of a pipeline the sweep reaches after `slow`'s.
  return submit(deps, 'capped');
}

describe('the sweeper lease while a sweep runs', () => {
  it('is renewed: a sweep held past several lease times keeps it, and gives it back when it ends', async () => {
    const { deps, clock } = await world.harness();
    await busyLedger(deps, clock);
    const { gated, reached, open } = gatedDescribe(deps);

    const long = sweep(gated, { lease: QUICK_LEASE });
    await reached;
    await sleep(2 * QUICK_LEASE.ttlMs);
    const during = await sweep(deps, { lease: QUICK_LEASE });
    open();
    const finished = await long;
    const after = await sweep(deps, { lease: QUICK_LEASE });

    expect(during).toBeUndefined();
    expect(finished).toMatchObject({ launched: 1 });
    expect(after).toBeDefined();
  }, 60_000);

  it('is given back at once when the runtime stops: the sweep starts no new work', async () => {
    const { deps, clock } = await world.harness();
    const waiting = await busyLedger(deps, clock);
    const { gated, reached, open } = gatedDescribe(deps);
    const stopping = new AbortController();

    const long = sweep(gated, { signal: stopping.signal });
    await reached;
    stopping.abort();
    open();
    const stopped = await long;
    const next = await sweep(deps, { signal: stopping.signal });
    const other = await holdLease(deps, 'sweeper', SWEEP_LEASE);
    await other?.release();

    expect(stopped).toMatchObject({ launched: 0 });
    expect(next).toBeUndefined();
    expect(other).toBeDefined();
    expect(world.tasksOf(waiting.jobId)).toEqual([]);
  });

  it('a holder paused past its lease, whose lease was taken over, notices and starts no new work', async () => {
    const { deps, clock } = await world.harness();
    const waiting = await busyLedger(deps, clock);
    const { gated, reached, open } = gatedDescribe(deps);

    const long = sweep(gated, { lease: QUICK_LEASE });
    await reached;
    // Its clock jumps past the lease (as a frozen process's would) and another sweeper takes over.
    clock.advance(QUICK_LEASE.ttlMs + 1000);
    const taker = await holdLease(deps, 'sweeper', { ttlMs: 60_000, renewEveryMs: 30_000 });
    await sleep(3 * QUICK_LEASE.renewEveryMs);
    open();
    const lost = await long;
    const blocked = await sweep(deps);
    await taker?.release();

    expect(taker).toBeDefined();
    expect(lost).toMatchObject({ launched: 0 });
    expect(blocked).toBeUndefined();
    expect(world.tasksOf(waiting.jobId)).toEqual([]);
  }, 30_000);
});

describe('the sweeper lease of a sweeper killed with SIGKILL', () => {
  it('runs out within one lease time of the death, and another sweeper takes over then', async () => {
    const { deps, table } = await world.harness();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        STEVEDORE_TEST_DYNAMODB: inject('dynamoEndpoint'),
        STEVEDORE_TEST_TABLE: table,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (let waited = 0; !output.includes('sweeping'); waited += 100) {
      if (waited > 60_000 || child.exitCode !== null) throw new Error(`the child never swept: ${output}`);
      await sleep(100);
    }
    // Past its first lease: only renewals keep it.
    await sleep(SWEEP_LEASE.ttlMs + SWEEP_LEASE.renewEveryMs);
    const whileAlive = await sweep(deps);

    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    const leaseUntil = await leaseExpiry(table);
    let takenOver: Awaited<ReturnType<typeof sweep>>;
    let tries = 0;
    do {
      if (tries++ > 0) await sleep(250);
      takenOver = await sweep(deps, { missedRuns: false });
    } while (takenOver === undefined && Date.now() - killedAt < 60_000);
    const tookOverAt = Date.now();

    expect(whileAlive).toBeUndefined();
    expect(leaseUntil - killedAt).toBeLessThanOrEqual(SWEEP_LEASE.ttlMs);
    expect(takenOver).toBeDefined();
    expect(tookOverAt).toBeGreaterThanOrEqual(leaseUntil);
  }, 180_000);
});

/** When the sweeper's lease, as the ledger holds it, runs out (ms since the epoch). */
async function leaseExpiry(table: string): Promise<number> {
  const client = localDynamoClient();
  try {
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: keys.lease('sweeper').pk }, sk: { S: keys.lease('sweeper').sk } },
        ConsistentRead: true,
      }),
    );
    const until = Item?.leaseUntil?.S;
    if (!until) throw new Error(`the sweeper's lease is not held: ${JSON.stringify(Item)}`);
    return Date.parse(until);
  } finally {
    client.destroy();
  }
}
