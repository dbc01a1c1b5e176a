import middy from '@middy/core';
import { DynamoLedger, EcsLauncher, EcsScaler, SqsGauge, systemClock } from '@stevedore/aws';
import { parseConfig, type QueueGauge, resourceNames, type ServiceScaler } from '@stevedore/core';
import type { Handler, HandlerDeps } from './deps';
import { jsonLogger } from './json-logger';

/*
 * The Lambda side of a handler: its dependencies are built from the bundled stevedore.config.ts and
 * the function's environment (set by infra), once per container, and reused by every invocation.
 * They are built on the first invocation rather than at import so that `stevedore dev` and the tests
 * can import the same handler modules and hand in their own dependencies.
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (infra sets it on every function)`);
  return value;
}

function list(name: string): string[] {
  return (process.env[name] ?? '').split(',').filter(Boolean);
}

/** The adapters of the handlers that scale workers: the only ones that read queues and set services. */
export type WorkerAdapters = (cluster: string) => { gauge: QueueGauge; scaler: ServiceScaler };

/** For the queue-alarm and scale-tick entry points, which pass it to `deployed`. */
export const workerAdapters: WorkerAdapters = (cluster) => ({
  gauge: new SqsGauge(),
  scaler: new EcsScaler({ cluster }),
});

/** Job handlers never scale workers: an adapter they should not use says so (and no SQS client is bundled). */
const noWorkers: WorkerAdapters = () => {
  const refuse = () => Promise.reject(new Error('this function does not scale workers'));
  return {
    gauge: { depth: refuse },
    scaler: {
      describeService: refuse,
      serviceTasks: refuse,
      protectedTasks: refuse,
      setDesiredCount: refuse,
    },
  };
};

/** Dependencies on AWS, from the environment. */
export async function awsDeps(workers: WorkerAdapters = noWorkers): Promise<HandlerDeps> {
  const { default: raw } = await import('../../stevedore.config');
  const config = parseConfig(raw);
  const names = resourceNames(config.app, required('STEVEDORE_STAGE'));
  const subnets = list('STEVEDORE_SUBNETS');
  const cluster = process.env.STEVEDORE_CLUSTER ?? names.cluster;
  const ledger = new DynamoLedger({
    tableName: process.env.STEVEDORE_TABLE ?? names.table,
    retentionDays: config.ledger.retentionDays,
  });
  return {
    config,
    names,
    ledger,
    scaling: ledger,
    schedules: ledger,
    ...workers(cluster),
    launcher: new EcsLauncher({
      cluster,
      ...(subnets.length > 0
        ? {
            network: {
              subnets,
              securityGroups: list('STEVEDORE_SECURITY_GROUPS'),
              assignPublicIp: process.env.STEVEDORE_ASSIGN_PUBLIC_IP === 'true',
            },
          }
        : {}),
    }),
    clock: systemClock,
    logger: jsonLogger({ function: process.env.AWS_LAMBDA_FUNCTION_NAME }),
  };
}

/** Wraps a handler factory as a Lambda handler (middy). */
export function deployed(factory: (deps: HandlerDeps) => Handler, workers?: WorkerAdapters) {
  let ready: Promise<Handler> | undefined;
  return middy(async (event: unknown) => {
    ready ??= awsDeps(workers).then(factory);
    try {
      await (await ready)(event);
    } catch (error) {
      // Thrown on purpose: Lambda retries the event and, after that, hands it to the on-failure destination.
      console.error(JSON.stringify({ level: 'error', message: 'handler failed', error: String(error) }));
      throw error;
    }
  });
}
