import { ROUTED_TASK_STATUSES, SERVICE_GROUP_PREFIX } from '../job/task-snapshot';

/*
 * The EventBridge patterns that route events to Stevedore's handlers. Infra turns them into rules;
 * the local bus matches them itself. Defining them once keeps what deploys and what runs locally the same.
 */

/** An EventBridge event pattern (JSON); `$or` holds alternative sub-patterns. */
export type EventPattern = {
  readonly [key: string]: EventPattern | readonly PatternValue[] | readonly EventPattern[];
};
export type PatternValue =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly wildcard: string }
  | { readonly 'anything-but': PatternValue | readonly PatternValue[] }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean }
  | { readonly 'equals-ignore-case': string };

export interface ObjectFilter {
  bucket: string;
  prefix?: string;
  suffix?: string;
  minSize?: number;
  maxSize?: number;
}

/** EventBridge wildcards treat '*' and '\' as special; escape them in literal parts. */
function escapeWildcard(text: string): string {
  return text.replace(/[\\*]/g, (c) => `\\${c}`);
}

/** S3 "Object Created" events of one bucket, key prefix and suffix, and size range. */
export function objectCreatedPattern(filter: ObjectFilter): EventPattern {
  const prefix = filter.prefix ?? '';
  const suffix = filter.suffix ?? '';
  const object: Record<string, readonly PatternValue[]> = {};
  // Prefix and suffix together need one wildcard: two filters in one list would be OR-ed.
  if (prefix && suffix) object.key = [{ wildcard: `${escapeWildcard(prefix)}*${escapeWildcard(suffix)}` }];
  else if (prefix) object.key = [{ prefix }];
  else if (suffix) object.key = [{ suffix }];
  const numeric: (string | number)[] = [];
  if (filter.minSize !== undefined) numeric.push('>=', filter.minSize);
  if (filter.maxSize !== undefined) numeric.push('<=', filter.maxSize);
  if (numeric.length > 0) object.size = [{ numeric }];
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [filter.bucket] },
      ...(Object.keys(object).length > 0 ? { object } : {}),
    },
  };
}

/**
 * ECS "Task State Change" events of one cluster that Stevedore acts on: a worker service's task at
 * every status (the service's task view counts its pending tasks), any other task only at the
 * statuses that move a job (`ROUTED_TASK_STATUSES`): an event the rule drops costs no invocation.
 */
export function taskStateChangePattern(clusterArn: string): EventPattern {
  return {
    source: ['aws.ecs'],
    'detail-type': ['ECS Task State Change'],
    detail: {
      clusterArn: [clusterArn],
      $or: [{ lastStatus: [...ROUTED_TASK_STATUSES] }, { group: [{ prefix: SERVICE_GROUP_PREFIX }] }],
    },
  };
}

/** CloudWatch "Alarm State Change" events of the given alarms. */
export function alarmStateChangePattern(alarmNames: readonly string[]): EventPattern {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { alarmName: [...alarmNames] },
  };
}

/** Scheduled events of EventBridge rules (the periodic sweeper and scaling tick). */
export function scheduledEventPattern(ruleArns: readonly string[]): EventPattern {
  return { source: ['aws.events'], 'detail-type': ['Scheduled Event'], resources: [...ruleArns] };
}
