import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLedgerTable, ledgerStores } from '@stevedore/aws';
import { type HandlerDeps, listDeadLetters, redrive, UnknownDeadLetterError } from '@stevedore/control';
import { type Config, parseConfig } from '@stevedore/core/config';
import type { HandlerInvoker } from '@stevedore/core/ports';
import { DEAD_LETTERS_FILE, DeadLetterFile, EventBus } from '@stevedore/local';
import { afterAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../../functions/index';
import { localDynamoClient } from '../../support/dynamodb';
import { loadEvent } from '../../support/fixtures';
import { ACCOUNT, jobWorldForFile } from '../../support/job-harness';

/*
 * Redrive (packages/control/src/operations/redrive.ts) of events the local bus dead-lettered after a
 * real fault: the object-created handler on a ledger table that does not exist (yet), through the
 * bus's own retries into its dead-letter file. While the fault lasts, a redrive keeps the event with
 * its new error; once the table exists, the redrive delivers it (a job for the object) and removes it.
 */

const TASK = { image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sweeptest:1`, cpu: 256, memory: 512 };
const CONFIG: Config = parseConfig({
  app: 'sweeptest',
  tasks: { succeed: TASK },
  pipelines: { photos: { bucket: 'media', task: 'succeed' } },
});

const world = jobWorldForFile();
const dynamo = localDynamoClient();
const dirs: string[] = [];
afterAll(() => {
  dynamo.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The AWS sample "Object Created" event, for `key` in the pipeline's bucket. */
function upload(key: string): Record<string, unknown> {
  const event = loadEvent('s3', 'object-created');
  const detail = event.detail as { bucket: { name: string }; object: { key: string } };
  detail.bucket.name = 'media';
  detail.object.key = key;
  event.resources = ['arn:aws:s3:::media'];
  return event;
}

/** Handler deps whose ledger table is not there until `fix()` creates it. */
async function brokenLedger(): Promise<{ deps: HandlerDeps; fix: () => Promise<void>; file: string }> {
  const { deps, clock } = await world.harness(CONFIG);
  const tableName = `missing-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'stevedore-redrive-'));
  dirs.push(dir);
  return {
    deps: { ...deps, ...ledgerStores({ tableName, client: dynamo, clock }) },
    fix: async () => {
      await ensureLedgerTable(dynamo, tableName);
    },
    file: join(dir, DEAD_LETTERS_FILE),
  };
}

/** The bus of `stevedore dev`, with the object-created handler on the pipeline's target. */
async function deadLetter(deps: HandlerDeps, file: string, events: readonly unknown[]): Promise<void> {
  const bus = new EventBus({ targets: [], deadLetterFile: file, attempts: 2, retryDelayMs: 1 });
  const target = { name: 'pipeline-photos', pattern: {}, handler: HANDLERS['object-created'](deps) };
  for (const event of events) bus.invoke(target, event);
  await bus.drain();
  await bus.close();
}

const store = (file: string) =>
  new DeadLetterFile({
    path: file,
    handlerOf: (t) => (t.startsWith('pipeline-') ? 'object-created' : undefined),
  });
const invoker = (deps: HandlerDeps): HandlerInvoker => ({
  invoke: (handler, event) => HANDLERS[handler as 'object-created'](deps)(event),
});

describe('redrive of dead-lettered events', () => {
  it('lists why an event failed; keeps it with the new error while the fault lasts; delivers and removes it once fixed', async () => {
    const { deps, fix, file } = await brokenLedger();
    await deadLetter(deps, file, [upload('incoming/a.jpg')]);

    const [listed, ...none] = await listDeadLetters(store(file));
    const failedAgain = await redrive(store(file), invoker(deps));
    const [kept] = await listDeadLetters(store(file));
    await fix();
    const fixed = await redrive(store(file), invoker(deps));

    expect(none).toEqual([]);
    expect(listed).toMatchObject({ handler: 'object-created', target: 'pipeline-photos', attempts: 2 });
    expect(listed?.error).toMatch(/^LedgerError: ledger createJob failed .*ResourceNotFoundException/);
    expect(failedAgain).toMatchObject({ delivered: 0, failed: 1 });
    expect(kept).toMatchObject({ id: listed?.id, attempts: 3, handler: 'object-created' });
    expect(kept?.error).toMatch(/ResourceNotFoundException/);
    expect(fixed).toMatchObject({ delivered: 1, failed: 0, results: [{ id: listed?.id, delivered: true }] });
    expect(await listDeadLetters(store(file))).toEqual([]);
    const { jobs } = await deps.jobs.listJobs({ source: 'photos' });
    expect(jobs.map((job) => job.input.S3_KEY)).toEqual(['incoming/a.jpg']);
  });

  it('redrives only the ids asked for, and names an unknown id with the known ones', async () => {
    const { deps, fix, file } = await brokenLedger();
    await deadLetter(deps, file, [upload('incoming/b.jpg'), upload('incoming/c.jpg')]);
    await fix();
    const [first, second] = await listDeadLetters(store(file));

    await expect(redrive(store(file), invoker(deps), { ids: ['nope'] })).rejects.toThrow(
      UnknownDeadLetterError,
    );
    const report = await redrive(store(file), invoker(deps), { ids: [second?.id ?? ''] });

    expect(report).toMatchObject({ delivered: 1, failed: 0 });
    expect((await listDeadLetters(store(file))).map((l) => l.id)).toEqual([first?.id]);
    await expect(redrive(store(file), invoker(deps), { ids: ['nope'] })).rejects.toThrow(
      `no dead letter nope (dead letters: ${first?.id}; see stevedore dead-letters list)`,
    );
  });

  it('keeps what the bus appends during a redrive, and a torn line, when it rewrites the file', async () => {
    const { deps, fix, file } = await brokenLedger();
    await deadLetter(deps, file, [upload('incoming/d.jpg')]);
    await fix();
    appendFileSync(file, '{"time":"2026-\n'); // a line that is not JSON (a torn write)
    const appending: HandlerInvoker = {
      invoke: async (handler, event) => {
        appendFileSync(
          file,
          `${JSON.stringify({ time: new Date().toISOString(), target: 'task-state-change', attempts: 3, error: 'Error: meanwhile', event: {} })}\n`,
        );
        await invoker(deps).invoke(handler, event);
      },
    };

    const report = await redrive(store(file), appending);

    expect(report).toMatchObject({ delivered: 1, failed: 0 });
    const left = await listDeadLetters(store(file));
    expect(left).toMatchObject([
      { target: 'task-state-change', handler: undefined, error: 'Error: meanwhile' },
    ]);
    expect(readFileSync(file, 'utf8')).toContain('{"time":"2026-');
    // No handler known for that target: a redrive says so and keeps it.
    const unknown = await redrive(store(file), invoker(deps));
    expect(unknown.results).toEqual([
      {
        id: left[0]?.id,
        handler: undefined,
        delivered: false,
        error: 'no handler known for target task-state-change',
      },
    ]);
    expect(await listDeadLetters(store(file))).toHaveLength(1);
  });
});
