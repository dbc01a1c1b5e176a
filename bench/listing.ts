/**
 * bench:listing — what `stevedore jobs list` reads over a large ledger: 100,000 jobs (1% failed, 1%
 * waiting, 1% running, the rest succeeded, over three pipelines) written straight into DynamoDB Local
 * with BatchWriteItem, then each listing the CLI and console offer, paged as the CLI pages it.
 * Counts, not timing: pages (Query calls) and items read per listing, against the jobs a scan or a
 * filter over every job would read.
 *
 *   npm run bench:listing [-- --jobs 100000 --parallel 8]
 *
 * Ends with `listing_pages_failed=<n> listing_items_failed=<n> listing_pages_pipeline_failed=<n>
 * listing_items_pipeline_failed=<n> listing_pages_prefix=<n> listing_items_prefix=<n>` (goal: at most
 * two pages each; the prefix listing is `--pipeline photos --prefix incoming/4242`, in key order).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureLedgerTable, ledgerStores } from '@stevedore/aws';
import type { Job } from '@stevedore/core/job';
import type { JobQuery } from '@stevedore/core/ports';
import { startDynamoDbLocal } from '@stevedore/local';
import { generateJobs } from '../test/support/job-generator';
import { countReads } from '../test/support/read-counter';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: process.env.BENCH_LISTING_JOBS ?? '100000' },
    parallel: { type: 'string', default: '8' },
  },
});
const JOBS = Number(values.jobs);
const PARALLEL = Number(values.parallel);
const SOURCES = ['photos', 'reports', 'nightly'] as const;
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

async function main() {
  process.stderr.write(`bench:listing: ${JOBS} jobs; starting DynamoDB Local...\n`);
  const dynamo = await startDynamoDbLocal({ startTimeoutMs: 180_000 });
  const writer = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  const reader = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  const reads = countReads(reader);
  try {
    const table = 'listing-ledger';
    await ensureLedgerTable(writer, table);
    const started = Date.now();
    await generateJobs(writer, table, { count: JOBS, sources: SOURCES, parallel: PARALLEL });
    process.stderr.write(`  ${JOBS} jobs written in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const jobs = ledgerStores({ tableName: table, client: reader, sources: SOURCES }).jobs;

    /** Lists as `stevedore jobs list` does: pages of up to 100 until `limit` jobs or the end. */
    const list = async (query: Omit<JobQuery, 'limit' | 'cursor'>, limit: number) => {
      const before = { ...reads };
      const found: Job[] = [];
      let cursor: string | undefined;
      do {
        const page = await jobs.listJobs({
          ...query,
          limit: Math.min(100, limit - found.length),
          ...(cursor ? { cursor } : {}),
        });
        found.push(...page.jobs);
        cursor = page.cursor;
      } while (cursor && found.length < limit);
      return {
        jobs: found.length,
        pages: reads.pages - before.pages,
        items: reads.items - before.items,
        scans: reads.scans - before.scans,
      };
    };

    const listings: [string, Omit<JobQuery, 'limit' | 'cursor'>, number][] = [
      ['jobs list --status FAILED --limit 25', { state: 'FAILED' }, 25],
      ['jobs list --pipeline reports --status FAILED --limit 25', { source: 'reports', state: 'FAILED' }, 25],
      ['jobs list --status RUNNING --limit 25', { state: 'RUNNING' }, 25],
      [
        'jobs list --pipeline photos --status SUBMITTED --limit 25',
        { source: 'photos', state: 'SUBMITTED' },
        25,
      ],
      ['jobs list --limit 25', {}, 25],
      // incoming/4242 is job 4242 and jobs 42420–42429 (of 100,000): photos has every third of them.
      [
        'jobs list --pipeline photos --prefix incoming/4242',
        { source: 'photos', keyPrefix: 'incoming/4242' },
        25,
      ],
      [
        'jobs list --pipeline photos --since <t> --until <t+10m>',
        {
          source: 'photos',
          since: new Date('2026-01-01T01:00:00Z'),
          until: new Date('2026-01-01T01:10:00Z'),
        },
        1000,
      ],
    ];
    console.log('');
    console.log(
      `${'listing'.padEnd(58)}${'jobs'.padStart(6)}${'pages'.padStart(7)}${'items read'.padStart(12)}${'scans'.padStart(7)}`,
    );
    const results: number[][] = [];
    for (const [label, query, limit] of listings) {
      const r = await list(query, limit);
      results.push([r.pages, r.items]);
      console.log(
        `${label.padEnd(58)}${String(r.jobs).padStart(6)}${String(r.pages).padStart(7)}${String(r.items).padStart(12)}${String(r.scans).padStart(7)}`,
      );
    }
    console.log(`(${JOBS} jobs in the ledger: a scan or a filter over every job would read all of them)`);
    const [failed, pipelineFailed] = results as [number[], number[]];
    const prefix = results[listings.findIndex(([label]) => label.includes('--prefix'))] as number[];
    console.log(
      `listing_pages_failed=${failed[0]} listing_items_failed=${failed[1]} listing_pages_pipeline_failed=${pipelineFailed[0]} listing_items_pipeline_failed=${pipelineFailed[1]} listing_pages_prefix=${prefix[0]} listing_items_prefix=${prefix[1]}`,
    );
  } finally {
    writer.destroy();
    reader.destroy();
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
