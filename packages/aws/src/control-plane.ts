import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { compileApp, type HandlerDeps } from '@stevedore/control';
import type { Config, ResourceNames } from '@stevedore/core/config';
import type {
  Clock,
  JobEventPublisher,
  Logger,
  ObjectLister,
  QueueGauge,
  ServiceScaler,
} from '@stevedore/core/ports';
import { systemClock } from './clock';
import { EcsLauncher, type NetworkSettings } from './ecs/ecs-launcher';
import { ledgerStores } from './ledger/ledger-stores';

/*
 * The one composition root: every entry point (Lambda, `stevedore dev`, the CLI, the benchmarks and
 * the tests) builds the control plane's dependencies here, so none of them can drift from the others
 * (a ledger without the config's retention, a launcher without the network).
 */

/** The adapters only the worker-scaling use cases touch (see `createWorkerAdapters`). */
export interface WorkerAdapters {
  gauge: QueueGauge;
  scaler: ServiceScaler;
}

export interface CreateDepsOptions {
  config: Config;
  names: ResourceNames;
  logger: Logger;
  /** Default: the system clock. */
  clock?: Clock;
  /** SDK clients to use (local endpoints, tests); created from the environment when omitted. */
  clients?: { dynamodb?: DynamoDBClient; ecs?: ECSClient };
  /** Default: the stage's table and cluster names. */
  table?: string;
  cluster?: string;
  /** awsvpc settings for Fargate tasks; omitted locally. */
  network?: NetworkSettings;
  /**
   * The queue gauge and service scaler, for entry points that scale workers. Job functions leave them
   * out, so their bundles carry no SQS client; a use case that reaches for them then fails loudly.
   */
  workers?: WorkerAdapters;
  /**
   * Where job events go: an `EventBridgeJobEvents` for the job-events function, the local bus under
   * `stevedore dev`. Left out elsewhere, so the other bundles carry no EventBridge client.
   */
  jobEvents?: JobEventPublisher;
  /**
   * Lists buckets for backfill (an `S3ObjectLister`). Left out by the functions, so their bundles carry
   * no S3 client; a use case that reaches for it then fails loudly.
   */
  objects?: ObjectLister;
}

/** Builds what every use case works with, once per process. */
export function createDeps(options: CreateDepsOptions): HandlerDeps {
  const { config, names } = options;
  const clock = options.clock ?? systemClock;
  const ledger = ledgerStores({
    tableName: options.table ?? names.table,
    retentionDays: config.ledger.retentionDays,
    clock,
    sources: [...Object.keys(config.pipelines), ...Object.keys(config.schedules)],
    ...(options.clients?.dynamodb ? { client: options.clients.dynamodb } : {}),
  });
  const launcher = new EcsLauncher({
    cluster: options.cluster ?? names.cluster,
    ...(options.clients?.ecs ? { client: options.clients.ecs } : {}),
    ...(options.network ? { network: options.network } : {}),
  });
  return {
    app: compileApp(config, names),
    ...ledger,
    launcher,
    ...(options.workers ?? NO_WORKERS),
    jobEvents: options.jobEvents ?? NO_JOB_EVENTS,
    objects: options.objects ?? NO_OBJECTS,
    clock,
    logger: options.logger,
  };
}

const refuse = () => Promise.reject(new Error('this entry point does not scale workers'));
const NO_WORKERS: WorkerAdapters = {
  gauge: { depth: refuse },
  scaler: {
    describeService: refuse,
    serviceTasks: refuse,
    protectedTasks: refuse,
    setDesiredCount: refuse,
    setOnDemandBase: refuse,
  },
};
const NO_JOB_EVENTS: JobEventPublisher = {
  publish: () => Promise.reject(new Error('this entry point does not publish job events')),
};
const NO_OBJECTS: ObjectLister = {
  listObjects: () => Promise.reject(new Error('this entry point does not list buckets')),
};
