import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { createDeps, S3ObjectLister, type WorkerAdapters } from '@stevedore/aws';
import type { HandlerDeps } from '@stevedore/control';
import { type Config, LOCAL_STAGE, resourceNames } from '@stevedore/core/config';
import type { Logger } from '@stevedore/core/ports';
import { LOCAL_NETWORK } from '@stevedore/local';
import { localClientConfig, type Target } from './target';

/*
 * The control plane's dependencies for a CLI command that acts (backfill, redrive, cancel, retry,
 * submit, a schedule's run), built by the one
 * composition root on the target's clients: the local runtime's endpoints, or a stage through the
 * usual SDK configuration. Locally the running `stevedore dev` prints what follows (its task events
 * reach its own bus), so this logger keeps to problems, on stderr.
 */

export interface ControlDeps {
  deps: HandlerDeps;
  /** S3 on the target (submit reads an object's version with HeadObject). */
  s3: S3Client;
  /** Destroys the clients made here. */
  close(): void;
}

/** A logger for the CLI's own use of the use cases: warnings and errors only, on stderr. */
export function quietLogger(err: NodeJS.WritableStream = process.stderr): Logger {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    err.write(`${level}: ${message}${fields ? `  ${JSON.stringify(fields)}` : ''}\n`);
  return { debug: () => {}, info: () => {}, warn: line('warn'), error: line('error') };
}

/** createDeps for the target, with an S3 lister (path-style URLs on the local endpoint). */
export function controlDeps(
  target: Target,
  config: Config,
  logger: Logger = quietLogger(),
  extra: { workers?: WorkerAdapters } = {},
): ControlDeps {
  if (target.kind === 'aws') {
    const s3 = new S3Client({});
    const ecs = new ECSClient({});
    const deps = createDeps({
      config,
      names: target.names,
      clients: { dynamodb: target.client, ecs },
      objects: new S3ObjectLister({ client: s3 }),
      ...extra,
      logger,
    });
    return { deps, s3, close: () => destroy(s3, ecs) };
  }
  const e = target.endpoints;
  const s3 = new S3Client({ ...localClientConfig(e, e.s3), forcePathStyle: true });
  const ecs = new ECSClient(localClientConfig(e, e.ecs));
  const deps = createDeps({
    config,
    names: resourceNames(config.app, LOCAL_STAGE),
    table: e.table,
    cluster: e.cluster,
    // On a stage the CLI has no network settings (the deployed sweeper launches); locally it does.
    network: LOCAL_NETWORK,
    clients: { dynamodb: target.client, ecs },
    objects: new S3ObjectLister({ client: s3 }),
    ...extra,
    logger,
  });
  return { deps, s3, close: () => destroy(s3, ecs) };
}

function destroy(...clients: { destroy(): void }[]): void {
  for (const client of clients) client.destroy();
}
