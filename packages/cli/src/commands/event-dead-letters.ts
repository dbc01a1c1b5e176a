import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createWorkerAdapters, LambdaInvoker, SqsEventDeadLetters } from '@stevedore/aws';
import {
  handlerForEvent,
  listDeadLetters,
  type RedriveReport,
  redrive,
  UnknownDeadLetterError,
} from '@stevedore/control';
import { type Config, LOCAL_STAGE } from '@stevedore/core/config';
import { eventRoutes, HANDLER_NAMES, type HandlerName } from '@stevedore/core/events';
import type { DeadLetteredEvent, DeadLetterStore, HandlerInvoker } from '@stevedore/core/ports';
import { HANDLERS } from '@stevedore/functions';
import { DEAD_LETTERS_FILE, DeadLetterFile } from '@stevedore/local';
import { parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { controlDeps } from '../lib/control-deps';
import { loadConfig } from '../lib/load-config';
import { renderTable } from '../lib/table';
import { localClientConfig, resolveTarget, TARGET_OPTIONS, type Target } from '../lib/target';
import { EVENT_DEAD_LETTERS_USAGE } from './usage';

/** `stevedore dead-letters ...` (events; a worker queue's DLQ is `workers dead-letters`). */
export async function eventDeadLetters(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      json: { type: 'boolean', default: false },
      id: { type: 'string', multiple: true },
    },
  });
  const [command, ...extra] = positionals;
  if ((command !== 'list' && command !== 'redrive') || extra.length > 0) {
    throw new CliError(
      command
        ? `unknown dead-letters command ${JSON.stringify(positionals.join(' '))}\n\n${EVENT_DEAD_LETTERS_USAGE}`
        : EVENT_DEAD_LETTERS_USAGE,
    );
  }
  const target = await resolveTarget(values);
  const config = target.kind === 'aws' ? target.config : (await loadConfig(values.config)).config;
  const where = deadLetterPlace(target, config);
  try {
    if (command === 'list') {
      const letters = await listDeadLetters(where.store);
      process.stdout.write(
        values.json ? `${JSON.stringify(letters, null, 2)}\n` : `${listing(letters, where.name)}\n`,
      );
      return 0;
    }
    const invoker = where.invoker();
    let report: RedriveReport;
    try {
      report = await redrive(where.store, invoker, {
        ...(values.id ? { ids: values.id } : {}),
        onDelivered: (r) => {
          if (!values.json)
            process.stderr.write(
              `${r.id}  ${r.handler ?? '?'}  ${r.delivered ? 'delivered' : `failed again: ${r.error}`}\n`,
            );
        },
      });
    } catch (error) {
      if (error instanceof UnknownDeadLetterError) throw new CliError(error.message, { cause: error });
      throw error;
    }
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else
      process.stdout.write(
        report.results.length === 0
          ? `no dead letters in ${where.name}\n`
          : `redrove ${report.results.length}: ${report.delivered} delivered and removed, ${report.failed} failed again and kept (see stevedore dead-letters list)\n`,
      );
    return report.failed > 0 ? 1 : 0;
  } finally {
    where.close();
  }
}

/** A table of dead letters: id, handler, when, attempts, error. */
export function listing(letters: readonly DeadLetteredEvent[], place: string): string {
  if (letters.length === 0) return `no dead letters in ${place}`;
  return renderTable(letters, [
    { header: 'ID', cell: (l) => l.id },
    { header: 'HANDLER', cell: (l) => l.handler ?? `? (${l.target})` },
    { header: 'DEAD-LETTERED', cell: (l) => l.at },
    { header: 'ATTEMPTS', cell: (l) => (l.attempts === undefined ? '' : String(l.attempts)), right: true },
    { header: 'ERROR', cell: (l) => l.error, shrink: true },
  ]);
}

export interface DeadLetterPlace {
  name: string;
  store: DeadLetterStore;
  invoker(): HandlerInvoker;
  close(): void;
}

/** The local dead-letter file with the handlers run right here, or the stage's queue and functions. */
export function deadLetterPlace(target: Target, config: Config): DeadLetterPlace {
  if (target.kind === 'aws') {
    // The stage's one dead-letter queue for rule targets, schedules and functions (see deployPlan).
    const queue = `${target.names.prefix}-dead-letters`;
    const byFunction = new Map(HANDLER_NAMES.map((h) => [target.names.functionName(h), h as string]));
    const sqs = new SQSClient({});
    return {
      name: `the dead-letter queue ${queue}`,
      store: new SqsEventDeadLetters({
        queue,
        client: sqs,
        handlerOfFunction: (name) => byFunction.get(name),
        handlerOfEvent: handlerForEvent,
      }),
      invoker: () => new LambdaInvoker({ functionName: (handler) => target.names.functionName(handler) }),
      close: () => sqs.destroy(),
    };
  }
  const e = target.endpoints;
  const path = join(e.stateDir, DEAD_LETTERS_FILE);
  // The bus names each target by its route (a pipeline's rule, task-state-change, ...) or schedule-fired.
  const routes = eventRoutes(config, { clusterArn: e.clusterArn, ruleArn: (id) => id, stage: LOCAL_STAGE });
  const byTarget = new Map<string, string>([
    ...routes.map((route): [string, string] => [route.id, route.handler]),
    ['schedule-fired', 'schedule-fired'],
  ]);
  const opened: { close(): void }[] = [];
  return {
    name: path,
    store: new DeadLetterFile({ path, handlerOf: (t) => byTarget.get(t) }),
    invoker: () => {
      // The handlers run here, on the local runtime's endpoints, as its bus would run them.
      const sqs = new SQSClient(localClientConfig(e, e.sqs));
      const built = controlDeps(target, config, undefined, {
        workers: createWorkerAdapters({ cluster: e.cluster, clients: { sqs }, queueUrls: e.queues }),
      });
      opened.push(built, { close: () => sqs.destroy() });
      const handlers = new Map<string, (event: unknown) => Promise<void>>();
      return {
        invoke: (handler, event) => {
          if (!(HANDLER_NAMES as readonly string[]).includes(handler))
            return Promise.reject(new Error(`no handler ${handler}`));
          let run = handlers.get(handler);
          if (!run) {
            run = HANDLERS[handler as HandlerName](built.deps);
            handlers.set(handler, run);
          }
          return run(event);
        },
      };
    },
    close: () => {
      for (const resource of opened) resource.close();
    },
  };
}
