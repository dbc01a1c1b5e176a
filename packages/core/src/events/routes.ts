import type { Config } from '../config/schema';
import {
  type EventPattern,
  objectCreatedPattern,
  scheduledEventPattern,
  taskStateChangePattern,
} from './patterns';

/*
 * Which handler each event reaches: infra turns these routes into EventBridge rules and schedules,
 * the local runtime into bus targets and timers. One list, so both agree.
 */

export const HANDLER_NAMES = ['object-created', 'task-state-change', 'sweeper'] as const;
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
}

/** The periodic handlers. */
export function periodicRoutes(): PeriodicRoute[] {
  return [{ id: 'sweeper', handler: 'sweeper', everySeconds: 60 }];
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
  routes.push({
    id: 'task-state-change',
    handler: 'task-state-change',
    pattern: taskStateChangePattern(context.clusterArn),
  });
  for (const periodic of periodicRoutes()) {
    routes.push({
      id: periodic.id,
      handler: periodic.handler,
      pattern: scheduledEventPattern([context.ruleArn(periodic.id)]),
    });
  }
  return routes;
}
