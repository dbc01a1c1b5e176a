import { JOB_EVENT_DETAIL_TYPE } from '@stevedore/core/job';
import { DEAD_LETTERS_FILE, JOB_EVENTS_FILE } from '@stevedore/local/runtime-facts';
import { DEFAULT_BASE_PORT } from '../lib/dev-ports';
import { DEFAULT_CONFIG } from '../lib/load-config';

/*
 * Every command's help text, apart from the commands themselves: the command tree (registry.ts)
 * shows help and picks a command without loading any command's module, so `stevedore jobs list`
 * loads only what listing jobs needs (each command is imported when it runs).
 */

export const TARGET_USAGE = `  --state-dir   the local runtime's state directory (default .stevedore)
  --stage       read a deployed stage instead (AWS credentials and region from the environment)
  --config      config file, for --stage (default stevedore.config.ts)`;

export const CONSOLE_USAGE = `stevedore console [--port <n>] [--stage <stage>]

  The web console on 127.0.0.1: jobs, a job's attempts on a timeline with its log, workers' queues
  against their tasks, schedules, dead letters; cancel, retry, run now and redrive. Open the printed
  URL: it carries this run's secret, which actions need. \`stevedore dev\` serves one too.

  --port        port on 127.0.0.1 (default 0: any free port)
${TARGET_USAGE}`;

export const DEV_USAGE = `stevedore dev [--config <path>] [--state-dir <dir>] [--port <n>] [--verbose] [--faults <spec>]
              [--tick <seconds>] [--time-scale <n>]

  Runs the whole control plane on this machine: DynamoDB Local, S3 and SQS stand-ins, a local ECS
  endpoint that runs each task as a local process, and the same handlers Lambda runs. It prints one
  line per job transition that matters and each task's output under its job. When the config file
  changes it is validated and, if good, the runtime restarts on it (same state, same ports); a bad
  one is reported and the running config kept.

  --config      config file (default ${DEFAULT_CONFIG})
  --state-dir   ledger data, task logs, endpoints.json and ports.json (default .stevedore)
  --port        first port: S3/SQS on it, ECS on +1, DynamoDB on +2, the web console on +3. Default:
                the ports this state dir used last, when free, else ${DEFAULT_BASE_PORT}; 0 = any free ports
  --verbose     every line: each task status step, sweeps, job events, handler details
  --faults      duplicate=<0..1>,reorder=<0..1>,capacity=<0..1>,throttle=on|off,
                spot=<0..1> (Spot RunTask refused for capacity), spot-interrupt=<0..1> (running Spot
                tasks interrupted), spot-warning=<seconds> (the interruption's notice, default 120),
                pull=<seconds> (each task's image pull, unless its local.pullSeconds says)
  --tick        seconds between runs of the periodic handlers (default 5)
  --time-scale  run schedules this many times faster than real time, to watch a day's schedule in
                minutes (default 1; above 1, missed-run detection is off: it reads the real clock)`;

export const EVENTS_USAGE = `stevedore events [--follow] [--json] [--job <jobId>]

  The job events ("${JOB_EVENT_DETAIL_TYPE}", source stevedore) the local runtime published, from
  <state-dir>/${JOB_EVENTS_FILE}: a table, or with --json one EventBridge event per line as a rule's
  target receives it. --follow keeps printing new events until interrupted. With --stage, says where
  the deployed stage publishes them and the rule pattern to subscribe with.

${TARGET_USAGE}`;

export const EVENT_DEAD_LETTERS_USAGE = `stevedore dead-letters list [--json]
stevedore dead-letters redrive [--id <id>]... [--json]

  Events a handler failed to take after all their retries (S3 objects, task state changes, schedule
  firings, ticks): the local runtime's ${DEAD_LETTERS_FILE}, or the stage's dead-letter queue. list shows
  why each failed; redrive delivers them again to their handler (all, or each --id), removes what is
  delivered and keeps what fails again, with its new error. Worker queues' own dead letters are
  \`stevedore workers dead-letters\`.

${TARGET_USAGE}`;

export const IAM_USAGE = `stevedore iam [--config <path>] [--stage <stage>] [--account <id>] [--region <region>] [--json]

  Prints the IAM policy of every function and task role a deploy of the config creates, and of the
  role EventBridge Scheduler assumes (with who may assume it), and what an operator needs for the
  workers' dead-letter commands, so a reviewer can read what it grants. Without --account and --region, ARNs show <account> and <region>.`;

export const INIT_USAGE = `stevedore init [<dir>] [--name <app>] [--force] [--json]

  Creates a new project in <dir> (default: this directory) that runs as it is: stevedore.config.ts
  with one task and one S3 pipeline, the task's program (tasks/hello.mjs, plain Node, no
  dependencies), a Dockerfile for deploys and a .gitignore. Then \`stevedore dev\` runs it and an
  upload under incoming/ in the bucket becomes a job. Existing files are left alone (--force
  replaces them).

  --name        the app's name (default: the directory's name, made valid)
  --force       replace files that exist
  --json        {"dir", "app", "bucket", "files"}`;

export const LOGS_USAGE = `stevedore logs <jobId> [--attempt <n>] [-f | --follow] [--json]

  The output of a job's task (the latest attempt unless --attempt): from <state-dir>/logs locally,
  from CloudWatch Logs for a deployed stage. The job id may be the short one tables print.

  --attempt     this attempt's output instead of the latest
  -f, --follow  keep printing as the task writes, through later attempts, until the job ends
  --json        one JSON object per line: {"jobId", "attempt", "taskId", "line"} (and "at" on AWS)

${TARGET_USAGE}`;

export const PIPELINES_USAGE = `stevedore pipelines backfill <name> [--dry-run] [--json]
stevedore pipelines stats <name> [--since <time>] [--json]

  stats: the pipeline's jobs created since <time> (ISO time, or 30m, 6h, 2d ago; default 24h):
  p50, p95 and max of each phase of their attempts (waiting, provisioning, image pull, starting,
  running, stopping), the success rate, the capacity they ran on and why, and their cost.

  backfill:
  A job for every object already under the pipeline's bucket and prefix that its rule selects (suffix,
  size) and that has no job yet (from its upload, an earlier backfill or a submit). Running it again
  creates nothing new. --dry-run counts without creating. Progress on stderr, the summary on stdout.
  On a deployed stage (--stage) the jobs are recorded and the sweeper launches them, each minute.

${TARGET_USAGE}`;

export const SCHEDULES_USAGE = `stevedore schedules [--json]
stevedore schedules run <name>

  Each schedule with its next three fire times (in its time zone), its last run and last success;
  or start a run now, under the schedule's overlap policy.

${TARGET_USAGE}`;

export const VALIDATE_USAGE = `stevedore validate [--config <path>] [--json]

  Checks a config and prints each problem with its path, including what \`stevedore dev\` needs (a
  local.command for each task). Exit code 1 when there is any problem, or when the file cannot be
  compiled (a TypeScript syntax error is printed with its file, line and column).

  --config      config file (default ${DEFAULT_CONFIG})
  --json        {"config", "valid", "problems": [{"path", "message"}]}`;

export const WORKERS_USAGE = `stevedore workers [--json]
stevedore workers history <name> [--limit <n>] [--json]
stevedore workers dead-letters <name> [--limit <n>] [--json]
stevedore workers redrive <name> [--json]

  Each worker with its queue depth, in flight, its dead-letter queue's depth (a warning when it holds
  anything), desired, running and protected tasks, and the last scaling decision with its reason; or
  one worker's decisions over time; or the messages in its dead-letter queue (body preview, receive
  count, sent and first received; looking is a receive with visibility timeout 0, as in the SQS
  console, so each look adds one to their receive counts); or move them back to its queue (an SQS
  message move task), with progress.

${TARGET_USAGE}`;
