import { resourceNames } from '../config/resource-names';
import type { Config } from '../config/schema';
import {
  alarmStateChangePattern,
  type EventPattern,
  objectCreatedPattern,
  scheduledEventPattern,
  taskStateChangePattern,
} from './patterns';

/*
 * Which handler each event reaches: infra turns these routes into EventBridge rules and schedules,
 * the local runtime into bus targets and timers. One list, so both agree.
 */

export const HANDLER_NAMES = [
  'object-created',
  'task-state-change',
  'sweeper',
  'queue-alarm',
  'scale-tick',
  'schedule-fired',
  // Not on a rule: the ledger table's DynamoDB stream invokes it (job events).
  'job-events',
] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

export interface EventRoute {
  /** Unique within the app: becomes the rule's name suffix. */
  id: string;
  handler: HandlerName;
  pattern: EventPattern;
}

export interface PeriodicRoute {
  id: string;
  handler: HandlerName;
  /** How often it runs on AWS (EventBridge rates go down to one minute). */
  everySeconds: number;
}

export interface RouteContext {
  clusterArn: string;
  /** ARN of the EventBridge rule of a periodic route (for the scheduled-event pattern). */
  ruleArn(id: string): string;
  /** The stage, for the names of the workers' depth alarms. */
  stage: string;
}

const hasJobs = (config: Config) =>
  Object.keys(config.pipelines).length > 0 || Object.keys(config.schedules).length > 0;
const hasWorkers = (config: Config) => Object.keys(config.workers).length > 0;

/** The handlers a config needs. */
export function handlersOf(config: Config): HandlerName[] {
  return [
    ...(hasJobs(config) ? (['object-created', 'task-state-change', 'sweeper', 'job-events'] as const) : []),
    ...(hasWorkers(config) && !hasJobs(config) ? (['task-state-change'] as const) : []),
    ...(hasWorkers(config) ? (['queue-alarm', 'scale-tick'] as const) : []),
    // Invoked by EventBridge Scheduler directly (no rule), one schedule per config entry.
    ...(Object.keys(config.schedules).length > 0 ? (['schedule-fired'] as const) : []),
  ];
}

/** The periodic handlers of a config. */
export function periodicRoutes(config: Config): PeriodicRoute[] {
  return [
    ...(hasJobs(config) ? [{ id: 'sweeper', handler: 'sweeper' as const, everySeconds: 60 }] : []),
    ...(hasWorkers(config) ? [{ id: 'scale-tick', handler: 'scale-tick' as const, everySeconds: 60 }] : []),
  ];
}

/** The event routes of a config. */
export function eventRoutes(config: Config, context: RouteContext): EventRoute[] {
  const routes: EventRoute[] = Object.entries(config.pipelines).map(([name, pipeline]) => ({
    id: `pipeline-${name}`,
    handler: 'object-created',
    pattern: objectCreatedPattern({
      bucket: pipeline.bucket,
      prefix: pipeline.prefix,
      suffix: pipeline.suffix,
      ...(pipeline.minSize !== undefined ? { minSize: pipeline.minSize } : {}),
      ...(pipeline.maxSize !== undefined ? { maxSize: pipeline.maxSize } : {}),
    }),
  }));
  if (hasJobs(config) || hasWorkers(config)) {
    // Job tasks move jobs; worker service tasks keep the ledger's view of each service current.
    routes.push({
      id: 'task-state-change',
      handler: 'task-state-change',
      pattern: taskStateChangePattern(context.clusterArn),
    });
  }
  if (hasWorkers(config)) {
    const names = resourceNames(config.app, context.stage);
    const alarms = Object.keys(config.workers).map((worker) => names.depthAlarm(worker));
    routes.push({ id: 'queue-alarms', handler: 'queue-alarm', pattern: alarmStateChangePattern(alarms) });
  }
  for (const periodic of periodicRoutes(config)) {
    routes.push({
      id: periodic.id,
      handler: periodic.handler,
      pattern: scheduledEventPattern([context.ruleArn(periodic.id)]),
    });
  }
  return routes;
}
