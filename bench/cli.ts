/**
 * bench:cli — how long `stevedore jobs list --json` and `stevedore jobs show <id> --json` take, each a
 * fresh process as a user runs it (packages/cli/bin/stevedore.js, which runs the built JavaScript in
 * packages/cli/dist: built here first, so what is measured is the code as it stands), against a bare
 * Node script making the same DynamoDB reads with the SDK (Query on the all-jobs index and BatchGetItem
 * for a listing, GetItem for one job).
 *
 *   npm run bench:cli [-- --jobs 2000 --runs 10]
 *
 * The ledger is DynamoDB Local with `--jobs` jobs generated into it (test/support/job-generator.ts),
 * and an endpoints.json that points the CLI at it, as a running `stevedore dev` would (the jobs
 * commands read only the ledger). Medians of `--runs` runs, alternating CLI and bare. Ends with
 * `cli_ratio_list=<x> cli_ratio_show=<y> cli_ratio_max=<z>` (goal: ≤ 1.5).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureLedgerTable } from '@stevedore/aws';
import { startDynamoDbLocal } from '@stevedore/local';
import { generatedJob, generateJobs } from '../test/support/job-generator';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: process.env.BENCH_CLI_JOBS ?? '2000' },
    runs: { type: 'string', default: process.env.BENCH_CLI_RUNS ?? '10' },
  },
});
const JOBS = Number(values.jobs);
const RUNS = Number(values.runs);
const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'packages', 'cli', 'bin', 'stevedore.js');
const SOURCES = ['photos'] as const;

/** The bare script: the same reads the CLI makes, with the SDK and nothing else. */
const BARE = `
import { DynamoDBClient, QueryCommand, BatchGetItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
const [endpoint, table, what, jobId] = process.argv.slice(2);
const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
if (what === 'list') {
  const page = await client.send(new QueryCommand({ TableName: table, IndexName: 'GSI3', KeyConditionExpression: 'GSI3PK = :p', ExpressionAttributeValues: { ':p': { S: 'JOBS' } }, ScanIndexForward: false, Limit: 25 }));
  const keys = (page.Items ?? []).map((i) => ({ pk: i.pk, sk: i.sk }));
  const got = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }));
  process.stdout.write(JSON.stringify(got.Responses?.[table] ?? []));
} else {
  const got = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'JOB#' + jobId }, sk: { S: 'JOB' } }, ConsistentRead: true }));
  process.stdout.write(JSON.stringify(got.Item ?? null));
}
client.destroy();
`;

function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  execFileSync(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main() {
  process.stderr.write(`bench:cli: ${JOBS} jobs, ${RUNS} runs each; building the CLI...\n`);
  execFileSync(process.execPath, [join(ROOT, 'packages', 'cli', 'scripts', 'build.mjs')], {
    stdio: 'inherit',
  });
  process.stderr.write('  starting DynamoDB Local...\n');
  const dynamo = await startDynamoDbLocal({ startTimeoutMs: 180_000 });
  const stateDir = mkdtempSync(join(tmpdir(), 'stevedore-cli-bench-'));
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const table = 'cli-ledger';
    await ensureLedgerTable(client, table);
    await generateJobs(client, table, { count: JOBS, sources: SOURCES, parallel: 4 });
    // What `stevedore dev` writes: the CLI finds the ledger through it (and checks the pid is alive).
    writeFileSync(
      join(stateDir, 'endpoints.json'),
      JSON.stringify({ region: 'us-east-1', dynamodb: dynamo.endpoint, table, pid: process.pid, stateDir }),
    );
    const bareFile = join(ROOT, 'bench', '.bare-cli.mjs');
    writeFileSync(bareFile, BARE);
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const jobId = generatedJob(JOBS - 1, { count: JOBS, sources: SOURCES }).jobId;
    const cases = [
      { name: 'list', cli: ['jobs', 'list', '--json'], bare: ['list'] },
      { name: 'show', cli: ['jobs', 'show', jobId, '--json'], bare: ['show', jobId] },
    ];
    const ratios: number[] = [];
    try {
      for (const c of cases) {
        const cli: number[] = [];
        const bare: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          cli.push(timed([CLI, ...c.cli, '--state-dir', stateDir], env));
          bare.push(timed([bareFile, dynamo.endpoint, table, ...c.bare], env));
        }
        const ratio = median(cli) / median(bare);
        ratios.push(ratio);
        console.log(
          `stevedore ${c.cli.join(' ').replace(jobId, '<id>').padEnd(28)} ${median(cli).toFixed(0).padStart(6)} ms   bare SDK script ${median(bare).toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}`,
        );
      }
    } finally {
      rmSync(bareFile, { force: true });
    }
    console.log(`(medians of ${RUNS} fresh processes each; ${JOBS} jobs in the ledger; CLI: ${CLI})`);
    console.log(
      `cli_ratio_list=${ratios[0]?.toFixed(3)} cli_ratio_show=${ratios[1]?.toFixed(3)} cli_ratio_max=${Math.max(...ratios).toFixed(3)}`,
    );
  } finally {
    client.destroy();
    await dynamo.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
