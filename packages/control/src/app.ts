import {
  type Config,
  type JobSource,
  jobPolicy,
  jobSources,
  type ResourceNames,
  type WorkerConfig,
} from '@stevedore/core/config';
import type { JobPolicy } from '@stevedore/core/job';
import { type WorkerPolicy, workerPolicy } from '@stevedore/core/scaling';

/*
 * The config as the use cases ask for it, compiled once per process (a Lambda container, the local
 * runtime, a CLI call) instead of re-derived on every hop of an event: sources by name with their
 * state-machine policies, workers by name, service and alarm.
 */

/** A pipeline or schedule with the policy the state machine applies to its jobs. */
export interface SourcePolicy {
  source: JobSource;
  policy: JobPolicy;
}

/** A worker of the config, with its service name and scaling policy. */
export interface Worker {
  name: string;
  config: WorkerConfig;
  service: string;
  alarm: string;
  policy: WorkerPolicy;
}

export interface App {
  config: Config;
  names: ResourceNames;
  /** Every pipeline and schedule, pipelines first, in config order. */
  sources: readonly SourcePolicy[];
  /** The pipeline or schedule called `name`. */
  source(name: string): SourcePolicy | undefined;
  workers: readonly Worker[];
  /** The worker whose ECS service is `service`. */
  workerOfService(service: string): Worker | undefined;
  /** The worker whose depth alarm is `alarmName`. */
  workerOfAlarm(alarmName: string): Worker | undefined;
}

/** Compiles a parsed config for one stage's names. */
export function compileApp(config: Config, names: ResourceNames): App {
  const sources = jobSources(config).map((source) => ({ source, policy: jobPolicy(config, source) }));
  const byName = new Map(sources.map((found) => [found.source.name, found]));
  const workers = Object.entries(config.workers).map(([name, worker]) => ({
    name,
    config: worker,
    service: names.service(name),
    alarm: names.depthAlarm(name),
    policy: workerPolicy(worker),
  }));
  const byService = new Map(workers.map((worker) => [worker.service, worker]));
  const byAlarm = new Map(workers.map((worker) => [worker.alarm, worker]));
  return {
    config,
    names,
    sources,
    source: (name) => byName.get(name),
    workers,
    workerOfService: (service) => byService.get(service),
    workerOfAlarm: (alarmName) => byAlarm.get(alarmName),
  };
}
