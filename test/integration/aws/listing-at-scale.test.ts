import { ledgerStores } from '@stevedore/aws';
import { UnservedJobQueryError } from '@stevedore/core/errors';
import type { JobQuery } from '@stevedore/core/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshLedgerTable, localDynamoClient } from '../../support/dynamodb';
import { generatedJob, generatedStates, generateJobs } from '../../support/job-generator';
import { countReads } from '../../support/read-counter';

/*
 * Listings over many jobs read a bounded number of items, whatever the ledger holds: every filter is a
 * key condition. Counts, not timing: 4,000 jobs (bench/listing.ts runs 100,000) in which the jobs a
 * listing wants are 1 in 100, so a listing that filtered what it read would read ~100 times more.
 */

const SOURCES = ['photos', 'reports', 'nightly'] as const;
const OPTIONS = { count: 4000, sources: SOURCES, parallel: 4 };

const writer = localDynamoClient();
const reader = localDynamoClient();
const reads = countReads(reader);
let table: string;

beforeAll(async () => {
  table = await freshLedgerTable(writer);
  await generateJobs(writer, table, OPTIONS);
}, 180_000);
afterAll(() => {
  writer.destroy();
  reader.destroy();
});

const allIds = Array.from({ length: OPTIONS.count }, (_, i) => generatedJob(i, OPTIONS));

async function listed(query: JobQuery) {
  const jobs = ledgerStores({ tableName: table, client: reader, sources: SOURCES }).jobs;
  const before = { ...reads };
  const page = await jobs.listJobs(query);
  return {
    page,
    pages: reads.pages - before.pages,
    items: reads.items - before.items,
    scans: reads.scans - before.scans,
  };
}

describe('listing 4,000 jobs', () => {
  it('generates the mix it promises', () => {
    expect(generatedStates(OPTIONS).get('FAILED')).toBe(allIds.filter((j) => j.state === 'FAILED').length);
    expect(allIds.filter((j) => j.state === 'FAILED').length).toBeGreaterThan(25);
  });

  it('lists failed jobs, newest first, from one page of its index', async () => {
    const { page, pages, items, scans } = await listed({ state: 'FAILED', limit: 25 });

    const expected = allIds
      .filter((j) => j.state === 'FAILED')
      .reverse()
      .slice(0, 25)
      .map((j) => j.jobId);
    expect(page.jobs.map((j) => j.jobId)).toEqual(expected);
    expect(scans).toBe(0);
    expect(pages).toBeLessThanOrEqual(2);
    // 25 index entries and the 25 items behind them.
    expect(items).toBeLessThanOrEqual(50);
  });

  it('lists a pipeline’s failed jobs the same way, and the next page carries on', async () => {
    const first = await listed({ source: 'reports', state: 'FAILED', limit: 5 });
    const second = await listed({
      source: 'reports',
      state: 'FAILED',
      limit: 5,
      ...(first.page.cursor ? { cursor: first.page.cursor } : {}),
    });

    const expected = allIds
      .filter((j) => j.state === 'FAILED' && j.source === 'reports')
      .reverse()
      .slice(0, 10)
      .map((j) => j.jobId);
    expect([...first.page.jobs, ...second.page.jobs].map((j) => j.jobId)).toEqual(expected);
    for (const listing of [first, second]) {
      expect(listing.pages).toBeLessThanOrEqual(2);
      expect(listing.items).toBeLessThanOrEqual(10);
    }
  });

  it('lists running jobs across sources from each one’s open jobs only', async () => {
    const { page, pages, items, scans } = await listed({ state: 'RUNNING', limit: 100 });

    const running = allIds.filter((j) => j.state === 'RUNNING');
    const open = allIds.filter((j) => j.state === 'RUNNING' || j.state === 'SUBMITTED');
    expect(page.jobs.map((j) => j.jobId).sort()).toEqual(running.map((j) => j.jobId).sort());
    expect(scans).toBe(0);
    expect(pages).toBeLessThanOrEqual(SOURCES.length * 2);
    // Only the active entries of each source's open jobs and their items: never the finished ones.
    expect(items).toBeLessThanOrEqual(2 * open.length);
  });

  it('lists a pipeline’s jobs created in a time range from that range only', async () => {
    const since = new Date('2026-01-01T00:10:00Z');
    const until = new Date('2026-01-01T00:11:00Z');

    const { page, items } = await listed({ source: 'photos', since, until, limit: 100 });

    const expected = allIds
      .filter(
        (j) =>
          j.source === 'photos' && j.createdAt >= since.toISOString() && j.createdAt <= until.toISOString(),
      )
      .reverse()
      .map((j) => j.jobId);
    expect(page.jobs.map((j) => j.jobId)).toEqual(expected);
    expect(items).toBe(2 * expected.length);
  });

  it('lists a pipeline’s jobs under a key prefix from that prefix only, in key order', async () => {
    // incoming/123 is job 123 and jobs 1230–1239 (and none of 12300+ in 4,000): those of photos.
    const { page, pages, items, scans } = await listed({
      source: 'photos',
      keyPrefix: 'incoming/123',
      limit: 25,
    });

    const expected = allIds
      .filter((j) => j.source === 'photos' && j.input.S3_KEY?.startsWith('incoming/123'))
      .sort((a, b) => ((a.input.S3_KEY as string) < (b.input.S3_KEY as string) ? -1 : 1))
      .map((j) => j.jobId);
    expect(expected.length).toBeGreaterThan(2);
    expect(page.jobs.map((j) => j.jobId)).toEqual(expected);
    expect(page.cursor).toBeUndefined();
    expect(scans).toBe(0);
    expect(pages).toBe(1);
    // The prefix's index entries and the items behind them: nothing of the other 4,000 jobs.
    expect(items).toBe(2 * expected.length);
  });

  it('applies a state beside a key prefix to the prefix’s jobs only, and pages on in key order', async () => {
    const query = { source: 'reports', keyPrefix: 'incoming/1', state: 'SUCCEEDED' as const };
    const first = await listed({ ...query, limit: 10 });
    const second = await listed({
      ...query,
      limit: 10,
      ...(first.page.cursor ? { cursor: first.page.cursor } : {}),
    });

    const expected = allIds
      .filter(
        (j) => j.source === 'reports' && j.state === 'SUCCEEDED' && j.input.S3_KEY?.startsWith('incoming/1'),
      )
      .map((j) => j.input.S3_KEY as string)
      .sort()
      .slice(0, 20);
    expect([...first.page.jobs, ...second.page.jobs].map((j) => j.input.S3_KEY)).toEqual(expected);
    for (const listing of [first, second]) expect(listing.scans).toBe(0);
  });

  it('refuses a key prefix without a pipeline rather than read every job', async () => {
    await expect(listed({ keyPrefix: 'incoming/1', limit: 25 })).rejects.toThrow(UnservedJobQueryError);
    expect(reads.scans).toBe(0);
  });
});
