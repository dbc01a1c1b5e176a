import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resourceNames } from '@stevedore/core/config';
import { type JobEventEnvelope, jobEventPattern } from '@stevedore/core/job';
import { roleName } from '@stevedore/deploy';
import { JOB_EVENTS_FILE } from '@stevedore/local';
import { parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { readRange } from '../lib/growing-file';
import { loadConfig } from '../lib/load-config';
import { shortJobId } from '../lib/short-id';
import { type Column, formatDuration, formatTime, renderTable, timeHeader } from '../lib/table';
import { TARGET_OPTIONS } from '../lib/target';

/** `stevedore events`: the job events of the local runtime, or where a stage sends them. */
export async function events(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TARGET_OPTIONS,
      json: { type: 'boolean', default: false },
      follow: { type: 'boolean', default: false },
      job: { type: 'string' },
    },
  });
  if (values.stage) return deployedEvents(values.config, values.stage, values.json);

  const file = join(resolve(values['state-dir']), JOB_EVENTS_FILE);
  if (!existsSync(file) && !values.follow) {
    throw new CliError(
      `no job events at ${file}: start the local runtime with \`stevedore dev\`, or pass --stage`,
    );
  }
  const wanted = (event: JobEventEnvelope) => !values.job || event.detail.jobId === values.job;
  const print = values.json
    ? (batch: JobEventEnvelope[]) => {
        for (const event of batch) process.stdout.write(`${JSON.stringify(event)}\n`);
      }
    : (() => {
        let header = true;
        return (batch: JobEventEnvelope[]) => {
          if (batch.length === 0) return;
          const table = renderTable(batch, EVENT_COLUMNS).split('\n');
          process.stdout.write(`${(header ? table : table.slice(1)).join('\n')}\n`);
          header = false;
        };
      })();

  let offset = 0;
  const readNew = () => {
    if (!existsSync(file)) return;
    const { lines, next } = readLines(file, offset);
    offset = next;
    print(lines.flatMap((line) => parseLine(line, file)).filter(wanted));
  };
  readNew();
  if (!values.follow) return 0;
  await new Promise<void>((done) => {
    const timer = setInterval(readNew, 250);
    const stop = () => {
      clearInterval(timer);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

const EVENT_COLUMNS: Column<JobEventEnvelope>[] = [
  { header: timeHeader('TIME'), cell: (e) => formatTime(e.detail.at) },
  { header: 'JOB', cell: (e) => shortJobId(e.detail.jobId) },
  { header: 'SOURCE', cell: (e) => e.detail.pipeline ?? e.detail.schedule ?? e.detail.kind },
  {
    header: 'STATE',
    cell: (e) =>
      `${e.detail.previousState ?? 'new'} -> ${e.detail.state}${e.detail.change === 'retry-scheduled' ? ' (retry)' : ''}`,
  },
  { header: 'ATTEMPT', cell: (e) => `${e.detail.attempt}/${e.detail.maxAttempts}`, right: true },
  {
    header: 'EXIT',
    cell: (e) => (e.detail.exitCode === undefined ? '' : String(e.detail.exitCode)),
    right: true,
  },
  {
    header: 'DURATION',
    cell: (e) =>
      e.detail.durationSeconds === undefined ? '' : formatDuration(e.detail.durationSeconds * 1000),
    right: true,
  },
  { header: 'REASON', cell: (e) => e.detail.reason ?? '', shrink: true },
];

/** Whole lines from `offset` on; a line still being written (no newline yet) is left for the next read. */
function readLines(file: string, offset: number): { lines: string[]; next: number } {
  const size = statSync(file).size;
  if (size <= offset) return { lines: [], next: size < offset ? 0 : offset };
  const buffer = readRange(file, offset, size);
  const end = buffer.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], next: offset };
  const text = buffer.subarray(0, end).toString('utf8');
  return { lines: text.split('\n').filter(Boolean), next: offset + end + 1 };
}

function parseLine(line: string, file: string): JobEventEnvelope[] {
  try {
    return [JSON.parse(line) as JobEventEnvelope];
  } catch {
    process.stderr.write(`stevedore: skipping a line of ${file} that is not JSON\n`);
    return [];
  }
}

/** On AWS the events go to the stage's account's default bus: a rule subscribes, nothing is archived. */
async function deployedEvents(configPath: string | undefined, stage: string, json: boolean): Promise<number> {
  const { config } = await loadConfig(configPath);
  const pattern = jobEventPattern();
  const failed = jobEventPattern({ states: ['FAILED', 'TIMED_OUT'] });
  const { notifications } = config;
  const notified = notifications && {
    rule: roleName(resourceNames(config.app, stage).prefix, 'job-notifications'),
    to: notifications.email ?? notifications.topicArn ?? '',
    states: notifications.states,
    pipelines: notifications.pipelines,
  };
  if (json) {
    const report = {
      app: config.app,
      stage,
      eventBus: 'default',
      pattern,
      failed,
      notifications: notified ?? null,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  process.stdout.write(
    [
      `Stage ${stage} of ${config.app} publishes job events to EventBridge (the account's default bus); they are not kept.`,
      'Subscribe with a rule on this pattern (every job event):',
      `  ${JSON.stringify(pattern)}`,
      'or only failures:',
      `  ${JSON.stringify(failed)}`,
      "e.g. aws events put-rule --name stevedore-job-failed --event-pattern '<pattern>', then put-targets to your SNS topic,",
      notified
        ? `Notifications: rule ${notified.rule} sends ${notified.states.join(', ')} of ${notified.pipelines.length > 0 ? notified.pipelines.join(', ') : 'every pipeline and schedule'} to ${notified.to}.`
        : 'or set notifications in the config (see README, "Job events").',
      '',
    ].join('\n'),
  );
  return 0;
}
