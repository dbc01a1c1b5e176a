import { ConfigError } from '@stevedore/core/errors';
import { LocalRuntimeError } from '@stevedore/local';
import { CONSOLE_USAGE, consoleCommand } from './commands/console';
import { DEV_USAGE, dev } from './commands/dev';
import { EVENT_DEAD_LETTERS_USAGE, eventDeadLetters } from './commands/event-dead-letters';
import { EVENTS_USAGE, events } from './commands/events';
import { IAM_USAGE, iam } from './commands/iam';
import { JOBS_USAGE, jobs } from './commands/jobs';
import { LOGS_USAGE, logs } from './commands/logs';
import { PIPELINES_USAGE, pipelines } from './commands/pipelines';
import { SCHEDULES_USAGE, schedules } from './commands/schedules';
import { VALIDATE_USAGE, validate } from './commands/validate';
import { WORKERS_USAGE, workers } from './commands/workers';
import { CliError } from './lib/cli-error';

const USAGE = `stevedore — a serverless control plane for Amazon ECS on Fargate

${DEV_USAGE}

${CONSOLE_USAGE}

${VALIDATE_USAGE}

${JOBS_USAGE}

${LOGS_USAGE}

${EVENTS_USAGE}

${PIPELINES_USAGE}

${EVENT_DEAD_LETTERS_USAGE}

${WORKERS_USAGE}

${SCHEDULES_USAGE}

${IAM_USAGE}`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  dev,
  console: consoleCommand,
  validate,
  jobs,
  logs,
  events,
  pipelines,
  'dead-letters': eventDeadLetters,
  workers,
  schedules,
  iam,
};

/** Runs a command line; known failures become one clear line and exit code 1. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 1;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`stevedore: unknown command ${JSON.stringify(command)} (see stevedore help)\n`);
    return 1;
  }
  try {
    return await run(rest);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`stevedore: ${error.message}\n`);
      return 1;
    }
    if (error instanceof CliError || error instanceof LocalRuntimeError || isArgumentError(error)) {
      process.stderr.write(`stevedore: ${(error as Error).message}\n`);
      return 1;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`stevedore: ${message}\n`);
    if (process.env.STEVEDORE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    else process.stderr.write('(set STEVEDORE_DEBUG=1 for the stack trace)\n');
    return 1;
  }
}

/** parseArgs rejects unknown options and missing values with these codes. */
function isArgumentError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`stevedore: ${String(error)}\n`);
    process.exit(1);
  },
);
