import { randomUUID } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { fireSchedule, upcomingRuns } from '@stevedore/control';
import type { Config } from '@stevedore/core/config';
import { formatInZone } from '@stevedore/core/schedule';
import { scheduleClockNow } from '@stevedore/local';
import { parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { controlDeps } from '../lib/control-deps';
import { devLogger } from '../lib/dev-logger';
import { loadConfig } from '../lib/load-config';
import { renderTable } from '../lib/table';
import { resolveTarget, TARGET_OPTIONS, type Target } from '../lib/target';
import { SCHEDULES_USAGE } from './usage';

export interface ScheduleStatus {
  name: string;
  expression: string;
  timezone: string;
  overlap: string;
  enabled: boolean;
  next: string[];
  lastRun: { jobId: string; scheduledTime: string; state: string } | null;
  lastSuccess: { jobId: string; scheduledTime: string; at: string } | null;
}

/** `stevedore schedules ...` */
export async function schedules(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, json: { type: 'boolean', default: false } },
  });
  const target = await resolveTarget(values);
  const config = target.kind === 'aws' ? target.config : (await loadConfig(values.config)).config;
  try {
    if (positionals[0] === 'run')
      return await runNow(target, config, positionals[1], values.stage, values.json);
    if (positionals.length > 0)
      throw new CliError(`unknown schedules command ${JSON.stringify(positionals[0])}\n\n${SCHEDULES_USAGE}`);
    // A local runtime started with --time-scale fires on its own, faster clock.
    const now =
      target.kind === 'local' && target.endpoints.scheduleClock
        ? scheduleClockNow(target.endpoints.scheduleClock)
        : new Date();
    const statuses = await Promise.all(
      Object.keys(config.schedules).map((name) => status(target, config, name, now)),
    );
    if (values.json) {
      process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
      return 0;
    }
    if (statuses.length === 0) {
      process.stdout.write('no schedules in the config\n');
      return 0;
    }
    process.stdout.write(
      `${renderTable(statuses, [
        { header: 'SCHEDULE', cell: (s) => (s.enabled ? s.name : `${s.name} (disabled)`) },
        { header: 'EXPRESSION', cell: (s) => `${s.expression} ${s.timezone}` },
        { header: 'OVERLAP', cell: (s) => s.overlap },
        { header: 'NEXT', cell: (s) => nextCell(s.next), shrink: true },
        // In the schedule's zone with its offset, as NEXT is: one schedule's times are read together.
        {
          header: 'LAST RUN',
          cell: (s) => (s.lastRun ? `${s.lastRun.state} ${inZone(s.lastRun.scheduledTime, s.timezone)}` : ''),
          shrink: true,
        },
        {
          header: 'LAST SUCCESS',
          cell: (s) => inZone(s.lastSuccess?.scheduledTime, s.timezone),
          shrink: true,
        },
      ])}\n`,
    );
    return 0;
  } finally {
    target.client.destroy();
  }
}

async function status(target: Target, config: Config, name: string, now: Date): Promise<ScheduleStatus> {
  const schedule = config.schedules[name];
  if (!schedule) throw new CliError(`no schedule ${name}`);
  const state = await target.ledger.schedules.scheduleState(name);
  const lastJob = state.lastRun ? await target.ledger.jobs.getJob(state.lastRun.jobId) : undefined;
  return {
    name,
    expression: schedule.expression,
    timezone: schedule.timezone,
    overlap: schedule.overlap,
    enabled: schedule.enabled,
    next: upcomingRuns(schedule, state, now, 3),
    lastRun: state.lastRun
      ? {
          jobId: state.lastRun.jobId,
          scheduledTime: state.lastRun.scheduledTime,
          state: lastJob?.state ?? 'UNKNOWN',
        }
      : null,
    lastSuccess: state.lastSuccess ?? null,
  };
}

/** A recorded time in the schedule's zone, as nextCell prints times: `2026-03-29 06:00 +02:00`. */
function inZone(iso: string | undefined, timezone: string): string {
  return iso ? nextCell([formatInZone(new Date(iso), timezone)]) : '';
}

/**
 * The next fire times, short: the first in full (date, time, offset), the others as times, with
 * their date when it changes: `2026-03-29 01:00 +01:00, 03:00 +02:00, 03-30 03:00`.
 */
export function nextCell(times: readonly string[]): string {
  let previous: { date: string; offset: string } | undefined;
  return times
    .map((time) => {
      const [, date = '', clock = '', offset = ''] =
        /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d)?(.*)$/.exec(time) ?? [];
      const parts =
        previous === undefined
          ? [date, clock, offset]
          : [date === previous.date ? '' : date.slice(5), clock, offset === previous.offset ? '' : offset];
      previous = { date, offset };
      return parts.filter(Boolean).join(' ');
    })
    .join(', ');
}

/** Starts a run now. Locally, the schedule-fired logic runs right here against the local endpoints; on AWS the deployed function is invoked. */
async function runNow(
  target: Target,
  config: Config,
  name: string | undefined,
  stage: string | undefined,
  json = false,
): Promise<number> {
  if (!name) throw new CliError('usage: stevedore schedules run <name>');
  if (!config.schedules[name]) {
    throw new CliError(
      `no schedule ${JSON.stringify(name)} (schedules: ${Object.keys(config.schedules).join(', ') || 'none'})`,
    );
  }
  const scheduledTime = new Date();
  if (target.kind === 'aws') {
    await invokeScheduleFired(target, name, scheduledTime);
    process.stdout.write(
      json
        ? `${JSON.stringify({ schedule: name, scheduledTime: scheduledTime.toISOString(), outcome: 'invoked' })}\n`
        : `started a run of ${name} for ${scheduledTime.toISOString()} (see stevedore jobs list --schedule ${name} --stage ${stage})\n`,
    );
    return 0;
  }
  // The running `stevedore dev` prints the run's transitions; here only problems are worth a line.
  const { deps, close } = controlDeps(target, config, { ...devLogger(), info: () => {}, debug: () => {} });
  try {
    const { outcome, jobId } = await fireSchedule(deps, name, scheduledTime, { manual: true });
    process.stdout.write(
      json
        ? `${JSON.stringify({ schedule: name, scheduledTime: scheduledTime.toISOString(), outcome, jobId: jobId ?? null })}\n`
        : `${name}: ${outcome}${jobId ? ` (job ${jobId})` : ''}\n`,
    );
    return outcome === 'unknown' ? 1 : 0;
  } finally {
    close();
  }
}

/** Starts a run of a stage's schedule now: its deployed schedule-fired function, invoked as a manual firing. */
export async function invokeScheduleFired(
  target: Extract<Target, { kind: 'aws' }>,
  name: string,
  scheduledTime: Date,
): Promise<void> {
  const lambda = new LambdaClient({});
  try {
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: target.names.functionName('schedule-fired'),
        Payload: Buffer.from(
          JSON.stringify({
            schedule: name,
            scheduledTime: scheduledTime.toISOString(),
            executionId: `manual-${randomUUID()}`,
            attempt: 1,
            manual: true,
          }),
        ),
      }),
    );
    if (result.FunctionError)
      throw new CliError(`schedule-fired failed: ${Buffer.from(result.Payload ?? []).toString()}`);
  } finally {
    lambda.destroy();
  }
}
