import {
  alarmStateChangePattern,
  type EventPattern,
  objectCreatedPattern,
  scheduledEventPattern,
  taskStateChangePattern,
} from '@stevedore/core/events';
import { matchesPattern, mayMatchPattern } from '@stevedore/local';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../support/fixtures';

const withKey = (key: string, size = 5) => {
  const event = loadEvent('s3', 'object-created');
  const detail = event.detail as { object: { key: string; size: number } };
  detail.object.key = key;
  detail.object.size = size;
  return event;
};

describe('the patterns Stevedore deploys, matched as EventBridge does', () => {
  it('routes the S3 fixture by bucket, prefix, suffix and size', () => {
    const bucket = 'DOC-EXAMPLE-BUCKET1';
    expect(matchesPattern(objectCreatedPattern({ bucket }), loadEvent('s3', 'object-created'))).toBe(true);
    expect(matchesPattern(objectCreatedPattern({ bucket: 'other' }), loadEvent('s3', 'object-created'))).toBe(
      false,
    );

    const csvInIncoming = objectCreatedPattern({ bucket, prefix: 'incoming/', suffix: '.csv' });
    expect(matchesPattern(csvInIncoming, withKey('incoming/a b/report.csv'))).toBe(true);
    expect(matchesPattern(csvInIncoming, withKey('incoming/report.json'))).toBe(false);
    expect(matchesPattern(csvInIncoming, withKey('archive/report.csv'))).toBe(false);

    const sized = objectCreatedPattern({ bucket, minSize: 10, maxSize: 100 });
    expect(matchesPattern(sized, withKey('k', 10))).toBe(true);
    expect(matchesPattern(sized, withKey('k', 100))).toBe(true);
    expect(matchesPattern(sized, withKey('k', 9))).toBe(false);
    expect(matchesPattern(sized, withKey('k', 101))).toBe(false);
  });

  it('treats * and \\ in a prefix or suffix literally', () => {
    const pattern = objectCreatedPattern({ bucket: 'DOC-EXAMPLE-BUCKET1', prefix: 'a*b\\', suffix: '.c*' });
    expect(matchesPattern(pattern, withKey('a*b\\middle.c*'))).toBe(true);
    expect(matchesPattern(pattern, withKey('aXb\\middle.c*'))).toBe(false);
    expect(matchesPattern(pattern, withKey('a*b\\middle.cX'))).toBe(false);
  });

  it("routes a job's task events only at the statuses that move the job, a service's at every status", () => {
    const pattern = taskStateChangePattern('arn:aws:ecs:us-east-2:667471847564:cluster/primary-cluster');
    const at = (lastStatus: string, group: string) => {
      const event = loadEvent('ecs', 'task-state-change-deprovisioning');
      Object.assign(event.detail as object, { lastStatus, group });
      return event;
    };
    const routed = (group: string) =>
      [
        'PROVISIONING',
        'PENDING',
        'ACTIVATING',
        'RUNNING',
        'DEACTIVATING',
        'STOPPING',
        'DEPROVISIONING',
        'STOPPED',
      ].filter((status) => matchesPattern(pattern, at(status, group)));

    expect(routed('family:stevedore-app-prod-thumbnail')).toEqual(['RUNNING', 'STOPPED']);
    expect(routed('service:stevedore-app-prod-mailer')).toHaveLength(8);
  });

  it('routes ECS task events by cluster, and scheduled events by rule', () => {
    const ecs = loadEvent('ecs', 'task-state-change-running');
    expect(
      matchesPattern(
        taskStateChangePattern('arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster'),
        ecs,
      ),
    ).toBe(true);
    expect(
      matchesPattern(taskStateChangePattern('arn:aws:ecs:us-west-2:111122223333:cluster/Other'), ecs),
    ).toBe(false);

    const tick = loadEvent('events', 'scheduled-event');
    expect(
      matchesPattern(
        scheduledEventPattern(['arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule']),
        tick,
      ),
    ).toBe(true);
    expect(
      matchesPattern(scheduledEventPattern(['arn:aws:events:us-east-1:123456789012:rule/other']), tick),
    ).toBe(false);
    expect(matchesPattern(alarmStateChangePattern(['depth']), tick)).toBe(false);
  });
});

describe('EventBridge operators', () => {
  const event = {
    source: 'test',
    detail: { state: 'RUNNING', count: 7, tags: ['a', 'b'], nothing: null, name: 'Mixed Case' },
  };
  const cases: [string, EventPattern, boolean][] = [
    ['exact value in a list', { detail: { state: ['STOPPED', 'RUNNING'] } }, true],
    ['exact mismatch', { detail: { state: ['STOPPED'] } }, false],
    ['number', { detail: { count: [7] } }, true],
    ['null', { detail: { nothing: [null] } }, true],
    ['any element of an array', { detail: { tags: ['b'] } }, true],
    ['numeric range', { detail: { count: [{ numeric: ['>', 5, '<=', 7] }] } }, true],
    ['numeric out of range', { detail: { count: [{ numeric: ['>=', 8] }] } }, false],
    ['anything-but', { detail: { state: [{ 'anything-but': ['STOPPED'] }] } }, true],
    ['anything-but the value', { detail: { state: [{ 'anything-but': 'RUNNING' }] } }, false],
    ['exists', { detail: { count: [{ exists: true }] } }, true],
    ['exists false on a present field', { detail: { count: [{ exists: false }] } }, false],
    ['exists false on a missing field', { detail: { missing: [{ exists: false }] } }, true],
    ['missing field', { detail: { missing: ['x'] } }, false],
    ['equals-ignore-case', { detail: { name: [{ 'equals-ignore-case': 'mixed case' }] } }, true],
    ['prefix', { detail: { state: [{ prefix: 'RUN' }] } }, true],
    ['suffix', { detail: { state: [{ suffix: 'ING' }] } }, true],
    ['wildcard', { detail: { name: [{ wildcard: 'Mi*Case' }] } }, true],
    ['nested object on a scalar', { detail: { state: { inner: ['x'] } } }, false],
    [
      '$or',
      { $or: [{ detail: { state: ['STOPPED'] } }, { detail: { count: [7] } }] } as unknown as EventPattern,
      true,
    ],
  ];
  it.each(cases)('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('mayMatchPattern: whether an event known only in part could match', () => {
  const clusterArn = 'arn:aws:ecs:us-east-1:111122223333:cluster/stevedore-local';
  const pattern = taskStateChangePattern(clusterArn);
  /** Routing fields as the local ECS gives them: times and containers left out (unknown). */
  const routing = (detail: Record<string, unknown>) => ({
    source: 'aws.ecs',
    'detail-type': 'ECS Task State Change',
    detail: { clusterArn, group: 'family:work', startedBy: 'job-1', stopCode: undefined, ...detail },
  });

  it("rules out a job task's steps that move no job, and keeps every step of a service's task", () => {
    const statuses = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPED'];
    const job = statuses.filter((lastStatus) => mayMatchPattern(pattern, routing({ lastStatus })));
    const service = statuses.filter((lastStatus) =>
      mayMatchPattern(pattern, routing({ lastStatus, group: 'service:worker' })),
    );

    expect(job).toEqual(['RUNNING', 'STOPPED']);
    expect(service).toEqual(statuses);
  });

  it('rules out another cluster, another source, and a field the event will not have', () => {
    expect(mayMatchPattern(pattern, routing({ lastStatus: 'RUNNING', clusterArn: `${clusterArn}-2` }))).toBe(
      false,
    );
    expect(mayMatchPattern(pattern, { ...routing({ lastStatus: 'RUNNING' }), source: 'aws.s3' })).toBe(false);
    expect(mayMatchPattern({ detail: { stopCode: ['UserInitiated'] } }, routing({}))).toBe(false);
    expect(mayMatchPattern({ detail: { stopCode: [{ exists: false }] } }, routing({}))).toBe(true);
  });

  it('lets what it was not told match: a field left out, or a whole object', () => {
    expect(mayMatchPattern({ detail: { containers: { exitCode: [0] } } }, routing({}))).toBe(true);
    expect(mayMatchPattern(pattern, { source: 'aws.ecs' })).toBe(true);
    expect(mayMatchPattern(pattern, {})).toBe(true);
  });

  it('never rules out an event that matches, whichever of its fields it is told', () => {
    const event = loadEvent('ecs', 'task-state-change-running');
    const detail = event.detail as Record<string, unknown>;
    const deployed = taskStateChangePattern(detail.clusterArn as string);
    expect(matchesPattern(deployed, event)).toBe(true);
    for (const key of Object.keys(detail)) {
      const { [key]: _left, ...partial } = detail;
      expect(mayMatchPattern(deployed, { ...event, detail: partial })).toBe(true);
      expect(mayMatchPattern(deployed, { ...event, detail: { [key]: detail[key] } })).toBe(true);
    }
  });
});
