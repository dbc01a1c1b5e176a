import type {
  Clock,
  JobEventPublisher,
  JobStore,
  Logger,
  ObjectLister,
  QueueGauge,
  ScalingStore,
  ScheduleStore,
  ServiceScaler,
  SlotStore,
  TaskLauncher,
} from '@stevedore/core/ports';
import type { App } from './app';

/**
 * What every use case works with: the compiled config and core's ports. One composition root builds
 * it (`createDeps` in @stevedore/aws) for Lambda, the local runtime, the CLI, the benchmarks and the
 * tests alike.
 */
export interface HandlerDeps {
  /** The config, compiled once per process into what the use cases look up. */
  app: App;
  jobs: JobStore;
  slots: SlotStore;
  scaling: ScalingStore;
  schedules: ScheduleStore;
  launcher: TaskLauncher;
  gauge: QueueGauge;
  scaler: ServiceScaler;
  /** Where job events go (EventBridge, or the local bus): only the job-events use case publishes. */
  jobEvents: JobEventPublisher;
  /** A bucket's objects, for backfill (only the CLI and the console list; Lambda bundles carry no S3 client). */
  objects: ObjectLister;
  clock: Clock;
  logger: Logger;
}

/** A handler as Lambda and the local bus both call it. */
export type Handler = (event: unknown) => Promise<void>;

/** What a runtime tells the handlers it builds, besides their dependencies. */
export interface HandlerContext {
  /** Aborted when the runtime stops: a long handler (the sweep) ends early and gives back what it holds. */
  signal?: AbortSignal;
}

/** Builds a handler from its dependencies. */
export type HandlerFactory = (deps: HandlerDeps, context?: HandlerContext) => Handler;
