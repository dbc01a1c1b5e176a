import { ObjectListingError } from '@stevedore/aws';
import {
  type BackfillProgress,
  type BackfillSummary,
  backfill,
  countMatchingObjects,
} from '@stevedore/control';
import { type Job, type SourceStats, sourceStats } from '@stevedore/core/job';
import type { JobStore } from '@stevedore/core/ports';
import { parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { controlDeps } from '../lib/control-deps';
import { loadConfig } from '../lib/load-config';
import { renderStats } from '../lib/phase-chart';
import { resolveTarget, TARGET_OPTIONS } from '../lib/target';
import { parseSince } from '../lib/time-flag';
import { PIPELINES_USAGE } from './usage';

/** `stevedore pipelines ...` */
export async function pipelines(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      since: { type: 'string' },
    },
  });
  const [command, name, ...extra] = positionals;
  if (command === 'stats') return stats(name, extra, values);
  if (command !== 'backfill') {
    throw new CliError(
      command
        ? `unknown pipelines command ${JSON.stringify(command)}\n\n${PIPELINES_USAGE}`
        : PIPELINES_USAGE,
    );
  }
  const target = await resolveTarget(values);
  const config = target.kind === 'aws' ? target.config : (await loadConfig(values.config)).config;
  if (!name || extra.length > 0) {
    throw new CliError(
      `usage: stevedore pipelines backfill <name> (pipelines: ${Object.keys(config.pipelines).join(', ') || 'none'})`,
    );
  }
  if (!config.pipelines[name]) {
    throw new CliError(
      `no pipeline ${JSON.stringify(name)} in the config (pipelines: ${Object.keys(config.pipelines).join(', ') || 'none'})`,
    );
  }
  const { deps, close } = controlDeps(target, config);
  try {
    const dryRun = values['dry-run'];
    const progress = progressReporter(process.stderr, dryRun);
    // A bar needs a total: on a terminal, one listing pass first counts the objects the rule selects.
    if (progress.bar) progress.total(await countMatchingObjects(deps, name));
    const summary = await backfill(deps, name, {
      dryRun,
      launch: target.kind === 'local',
      onProgress: progress.update,
    });
    progress.done(summary);
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${summaryLine(summary)}\n`);
    if (target.kind === 'aws' && summary.created > 0) {
      process.stdout.write(
        'the sweeper launches them on its next runs (each minute), under the pipeline’s cap\n',
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof ObjectListingError)
      throw new CliError(`pipeline ${name}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    close();
  }
}

/** Newest first, at most this many jobs are read for stats (a page of the index is 100). */
const STATS_LIMIT = 10_000;

/** `stevedore pipelines stats <name>`: the window's jobs, read newest first, summed up. */
async function stats(
  name: string | undefined,
  extra: string[],
  values: Parameters<typeof resolveTarget>[0] & { json?: boolean; since?: string },
): Promise<number> {
  const now = new Date();
  const since = parseSince(values.since ?? '24h', now);
  const target = await resolveTarget(values);
  try {
    // A stage's config names its pipelines; the local runtime's ledger is read for whatever it holds.
    const known = target.kind === 'aws' ? Object.keys(target.config.pipelines) : undefined;
    const list = known ? ` (pipelines: ${known.join(', ') || 'none'})` : '';
    if (!name || extra.length > 0)
      throw new CliError(`usage: stevedore pipelines stats <name> [--since <time>]${list}`);
    if (known && !known.includes(name))
      throw new CliError(`no pipeline ${JSON.stringify(name)} in the config${list}`);
    const jobs = await jobsSince(target.ledger.jobs, name, since);
    const summary: SourceStats = sourceStats(name, since, jobs, now);
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : renderStats(summary));
    return 0;
  } finally {
    target.client.destroy();
  }
}

/** The source's jobs created since `since`, newest first (a key condition on the by-source index). */
async function jobsSince(store: JobStore, source: string, since: Date): Promise<Job[]> {
  const found: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listJobs({ source, limit: 100, ...(cursor ? { cursor } : {}) });
    for (const job of page.jobs) {
      if (new Date(job.createdAt) < since) return found;
      found.push(job);
      if (found.length >= STATS_LIMIT) return found;
    }
    cursor = page.cursor;
  } while (cursor);
  return found;
}

/** The summary, as one line. */
export function summaryLine(s: BackfillSummary): string {
  const where = `s3://${s.bucket}/${s.prefix}`;
  const counts = `listed ${s.listed}, matched ${s.matched}, already had a job ${s.alreadyHadJob}`;
  return s.dryRun
    ? `dry run of ${s.pipeline} (${where}): would create ${s.withoutJob} job${s.withoutJob === 1 ? '' : 's'}; ${counts}`
    : `backfilled ${s.pipeline} (${where}): created ${s.created} job${s.created === 1 ? '' : 's'}; ${counts}`;
}

const BAR_WIDTH = 30;
/** Without a terminal, a progress line each time this many more matched objects are settled. */
const LINE_EVERY = 100;

/** Progress on stderr: a bar redrawn in place on a terminal, a plain line now and then otherwise. */
export function progressReporter(err: NodeJS.WriteStream | NodeJS.WritableStream, dryRun: boolean) {
  const bar = 'isTTY' in err && err.isTTY === true;
  let total = 0;
  let printed = 0;
  const settled = (p: BackfillProgress) => p.alreadyHadJob + p.withoutJob;
  const verb = dryRun ? 'without a job' : 'created';
  const counts = (p: BackfillProgress) =>
    `${dryRun ? p.withoutJob : p.created} ${verb}, ${p.alreadyHadJob} had a job, ${p.listed} listed`;
  return {
    bar,
    total(count: number) {
      total = count;
    },
    update(p: BackfillProgress) {
      const done = settled(p);
      if (bar) {
        const shown = Math.max(total, done);
        const filled = shown === 0 ? BAR_WIDTH : Math.round((done / shown) * BAR_WIDTH);
        err.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${shown}  ${counts(p)}\x1b[K`,
        );
        return;
      }
      if (done - printed >= LINE_EVERY) {
        printed = done;
        err.write(`${done} objects: ${counts(p)}\n`);
      }
    },
    done(p: BackfillProgress) {
      if (bar) err.write('\n');
      else if (settled(p) !== printed) err.write(`${settled(p)} objects: ${counts(p)}\n`);
    },
  };
}
