import type { CommandSpec } from '../lib/command';
import {
  CONSOLE_USAGE,
  DEV_USAGE,
  EVENT_DEAD_LETTERS_USAGE,
  EVENTS_USAGE,
  IAM_USAGE,
  INIT_USAGE,
  LOGS_USAGE,
  PIPELINES_USAGE,
  SCHEDULES_USAGE,
  TARGET_USAGE,
  VALIDATE_USAGE,
  WORKERS_USAGE,
} from './usage';

/*
 * Every command of `stevedore`, in the order `stevedore --help` lists them. A new command is one
 * entry here (with its module); a new subcommand is one entry in its parent's `subcommands`.
 */

/**
 * A command whose module is imported only when it runs: help and dispatch need none of them, and
 * `stevedore jobs list` loads the ledger's client, not the local runtime's or every AWS client.
 */
function lazy<M>(
  load: () => Promise<M>,
  command: (module: M) => (argv: string[]) => Promise<number>,
): (argv: string[]) => Promise<number> {
  return async (argv) => command(await load())(argv);
}

const JOBS: CommandSpec = {
  name: 'jobs',
  summary: 'list, show, watch, cancel, retry and submit jobs',
  usage: `stevedore jobs <command> [options]

  The jobs of the local runtime (\`stevedore dev\`), or of a deployed stage with --stage.`,
  subcommands: [
    {
      name: 'list',
      summary: 'jobs newest first, as a table (--json: every field)',
      run: lazy(
        () => import('./jobs'),
        (m) => m.jobsList,
      ),
      usage: `stevedore jobs list [--pipeline <p> | --schedule <s>] [--prefix <key>] [--status <s>] [--since <t>]
                    [--until <t>] [--limit <n>] [--json]

  Jobs newest first, as a table that fits 100 columns (short job ids; --json has every field).

  --pipeline    only this pipeline's jobs (an error names the pipelines when there is none of that name)
  --schedule    only this schedule's jobs
  --prefix      only jobs whose object key starts with this, in key order; within --pipeline, which
                may be left out when the config has one pipeline
  --status      SUBMITTED, STARTING, RUNNING, SUCCEEDED, FAILED, TIMED_OUT or CANCELLED
  --since       only jobs created since <t> (ISO time, or 30m, 6h, 2d ago)
  --until       only jobs created before <t>
  --limit       at most this many (default 25)
  --json        an array of jobs, each with its cost

${TARGET_USAGE}`,
    },
    {
      name: 'show',
      summary: 'one job: attempts, tasks, exit codes, stop reasons, cost, history',
      run: lazy(
        () => import('./jobs'),
        (m) => m.jobsShow,
      ),
      usage: `stevedore jobs show <jobId> [--json]

  One job: its attempts (task, status, capacity, start, duration, exit codes, stop code and reason,
  cost) and its history. Task ids are shortened to fit 100 columns; --json has the full ARNs.

${TARGET_USAGE}`,
    },
    {
      name: 'watch',
      summary: 'job transitions as they are recorded (--json: one JSON line each)',
      run: lazy(
        () => import('./jobs'),
        (m) => m.jobsWatch,
      ),
      usage: `stevedore jobs watch [--interval <seconds>] [--json]

  Job transitions as they are recorded, until Ctrl-C. --json prints one JSON object per transition,
  one per line.

  --interval    seconds between reads of the ledger (default 1)
  --json        JSON lines: {"jobId", "source", "at", "state", "attempt", "taskStatus", "reason"}

${TARGET_USAGE}`,
    },
    {
      name: 'cancel',
      summary: 'cancel one job, or every open job of a pipeline or schedule',
      run: lazy(
        () => import('./job-operations'),
        (m) => m.cancelCommand,
      ),
      usage: `stevedore jobs cancel <jobId> [--reason <text>] [--json]
stevedore jobs cancel --pipeline <p> | --schedule <s> [--reason <text>] [--yes] [--json]

  A waiting job ends CANCELLED at once; a running one is stopped and ends CANCELLED, never retried.
  With --pipeline or --schedule, every open job of it (asks first, or --yes).

${TARGET_USAGE}`,
    },
    {
      name: 'retry',
      summary: 'retry a failed job, or the failures of a source since a time',
      run: lazy(
        () => import('./job-operations'),
        (m) => m.retryCommand,
      ),
      usage: `stevedore jobs retry <jobId> [--json]
stevedore jobs retry --pipeline <p> | --schedule <s> --since <time> [--yes] [--json]

  A FAILED, TIMED_OUT or CANCELLED job as a new job (same input, linked by retryOf/retriedBy).
  --since: the FAILED and TIMED_OUT jobs created since <time> (ISO time, or 30m, 6h, 2d ago).

${TARGET_USAGE}`,
    },
    {
      name: 'submit',
      summary: "a pipeline's job for an existing object, or a task's with env overrides",
      run: lazy(
        () => import('./job-operations'),
        (m) => m.submitCommand,
      ),
      usage: `stevedore jobs submit --pipeline <p> --bucket <b> --key <k> [--again] [--json]
stevedore jobs submit --task <t> [--env K=V ...] [--again] [--json]

  A pipeline's job for an object already in its bucket, or a task's with env overrides (under the
  first schedule, else pipeline, that runs it). The same submission twice is one job unless --again.

${TARGET_USAGE}`,
    },
  ],
};

const WORKERS: CommandSpec = {
  name: 'workers',
  summary: 'queue depth, tasks and scaling decisions of each worker',
  usage: WORKERS_USAGE,
  run: lazy(
    () => import('./workers'),
    (m) => m.workers,
  ),
  subcommands: [
    {
      name: 'history',
      summary: "one worker's scaling decisions over time",
      usage: `stevedore workers history <name> [--limit <n>] [--json]\n\n${TARGET_USAGE}`,
    },
    {
      name: 'dead-letters',
      summary: "the messages in a worker's dead-letter queue",
      usage: `stevedore workers dead-letters <name> [--limit <n>] [--json]\n\n${TARGET_USAGE}`,
    },
    {
      name: 'redrive',
      summary: "move a worker's dead letters back to its queue",
      usage: `stevedore workers redrive <name> [--json]\n\n${TARGET_USAGE}`,
    },
  ],
};

const SCHEDULES: CommandSpec = {
  name: 'schedules',
  summary: 'next fire times, last run and last success of each schedule',
  usage: SCHEDULES_USAGE,
  run: lazy(
    () => import('./schedules'),
    (m) => m.schedules,
  ),
  subcommands: [
    {
      name: 'run',
      summary: "start a run now, under the schedule's overlap policy",
      usage: `stevedore schedules run <name> [--json]\n\n  Starts a run now, under the schedule's overlap policy. --json: {"schedule", "scheduledTime", "outcome", "jobId"}.\n\n${TARGET_USAGE}`,
    },
  ],
};

const PIPELINES: CommandSpec = {
  name: 'pipelines',
  summary: "a pipeline's phase timings and success rate, or its backfill",
  usage: PIPELINES_USAGE,
  run: lazy(
    () => import('./pipelines'),
    (m) => m.pipelines,
  ),
  subcommands: [
    {
      name: 'stats',
      summary: 'p50/p95/max of each attempt phase, success rate, capacity and cost',
      usage: `stevedore pipelines stats <name> [--since <time>] [--json]\n\n  The pipeline's jobs created since <time> (ISO time, or 30m, 6h, 2d ago; default 24h).\n\n${TARGET_USAGE}`,
    },
    {
      name: 'backfill',
      summary: 'a job for every matching object with none',
      usage: `stevedore pipelines backfill <name> [--dry-run] [--json]\n\n  A job for every object already under the pipeline's prefix that its rule selects and that has\n  no job yet. --dry-run counts without creating.\n\n${TARGET_USAGE}`,
    },
  ],
};

const DEAD_LETTERS: CommandSpec = {
  name: 'dead-letters',
  summary: 'events a handler failed to take, and their redrive',
  usage: EVENT_DEAD_LETTERS_USAGE,
  run: lazy(
    () => import('./event-dead-letters'),
    (m) => m.eventDeadLetters,
  ),
  subcommands: [
    {
      name: 'list',
      summary: 'why each dead-lettered event failed',
      usage: `stevedore dead-letters list [--json]\n\n${TARGET_USAGE}`,
    },
    {
      name: 'redrive',
      summary: 'deliver them again to their handler',
      usage: `stevedore dead-letters redrive [--id <id>]... [--json]\n\n${TARGET_USAGE}`,
    },
  ],
};

/** The commands, in the order of `stevedore --help`. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'init',
    summary: 'create a new project: config, a pipeline, a task, .gitignore',
    usage: INIT_USAGE,
    run: lazy(
      () => import('./init'),
      (m) => m.init,
    ),
  },
  {
    name: 'dev',
    summary: 'run the whole control plane on this machine',
    usage: DEV_USAGE,
    run: lazy(
      () => import('./dev'),
      (m) => m.dev,
    ),
  },
  {
    name: 'console',
    summary: 'the web console: jobs, timelines, workers, schedules',
    usage: CONSOLE_USAGE,
    run: lazy(
      () => import('./console'),
      (m) => m.consoleCommand,
    ),
  },
  {
    name: 'validate',
    summary: 'check a config and print each problem',
    usage: VALIDATE_USAGE,
    run: lazy(
      () => import('./validate'),
      (m) => m.validate,
    ),
  },
  JOBS,
  {
    name: 'logs',
    summary: "a job's task output (-f follows it)",
    usage: LOGS_USAGE,
    run: lazy(
      () => import('./logs'),
      (m) => m.logs,
    ),
  },
  {
    name: 'events',
    summary: 'job events as published',
    usage: EVENTS_USAGE,
    run: lazy(
      () => import('./events'),
      (m) => m.events,
    ),
  },
  PIPELINES,
  DEAD_LETTERS,
  WORKERS,
  SCHEDULES,
  {
    name: 'iam',
    summary: 'the IAM policies a deploy creates',
    usage: IAM_USAGE,
    run: lazy(
      () => import('./iam'),
      (m) => m.iam,
    ),
  },
];
