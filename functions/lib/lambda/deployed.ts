import middy from '@middy/core';
import { createDeps, type WorkerAdapters } from '@stevedore/aws';
import type { Handler, HandlerDeps } from '@stevedore/control';
import { parseConfig, resourceNames } from '@stevedore/core/config';
import type { JobEventPublisher } from '@stevedore/core/ports';
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

/** Adapters only some functions carry (so the others' bundles leave their SDK clients out). */
export interface OptionalAdapters {
  jobEvents?: JobEventPublisher;
}

/** Dependencies on AWS, from the environment; `workers` only for the functions that scale workers. */
export async function awsDeps(
  workers?: (cluster: string) => WorkerAdapters,
  adapters?: () => OptionalAdapters,
): Promise<HandlerDeps> {
  const { default: raw } = await import('../../../stevedore.config');
  const config = parseConfig(raw);
  const names = resourceNames(config.app, required('STEVEDORE_STAGE'));
  const subnets = list('STEVEDORE_SUBNETS');
  const cluster = process.env.STEVEDORE_CLUSTER ?? names.cluster;
  return createDeps({
    config,
    names,
    cluster,
    ...(process.env.STEVEDORE_TABLE ? { table: process.env.STEVEDORE_TABLE } : {}),
    ...(subnets.length > 0
      ? {
          network: {
            subnets,
            securityGroups: list('STEVEDORE_SECURITY_GROUPS'),
            assignPublicIp: process.env.STEVEDORE_ASSIGN_PUBLIC_IP === 'true',
          },
        }
      : {}),
    ...(workers ? { workers: workers(cluster) } : {}),
    ...adapters?.(),
    logger: jsonLogger({ function: process.env.AWS_LAMBDA_FUNCTION_NAME }),
  });
}

/** Wraps a handler factory as a Lambda handler (middy). */
export function deployed(
  factory: (deps: HandlerDeps) => Handler,
  workers?: (cluster: string) => WorkerAdapters,
  adapters?: () => OptionalAdapters,
) {
  let ready: Promise<Handler> | undefined;
  return middy(async (event: unknown) => {
    ready ??= awsDeps(workers, adapters).then(factory);
    try {
      await (await ready)(event);
    } catch (error) {
      // Thrown on purpose: Lambda retries the event and, after that, hands it to the on-failure destination.
      console.error(JSON.stringify({ level: 'error', message: 'handler failed', error: String(error) }));
      throw error;
    }
  });
}
