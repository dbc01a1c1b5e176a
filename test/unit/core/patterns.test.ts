import {
  alarmStateChangePattern,
  type ObjectFilter,
  objectCreatedPattern,
  scheduledEventPattern,
  taskStateChangePattern,
} from '@stevedore/core/events';
import { describe, expect, it } from 'vitest';

/*
 * Exact EventBridge patterns, in the shapes the EventBridge User Guide documents ("Content filtering
 * in Amazon EventBridge event patterns": prefix, suffix, wildcard, numeric matching).
 */

const S3 = { source: ['aws.s3'], 'detail-type': ['Object Created'] };

describe('objectCreatedPattern', () => {
  it.each<[string, ObjectFilter, Record<string, unknown>]>([
    ['a bucket only', { bucket: 'media-uploads' }, { bucket: { name: ['media-uploads'] } }],
    [
      'empty prefix and suffix, as the config fills them',
      { bucket: 'media-uploads', prefix: '', suffix: '' },
      { bucket: { name: ['media-uploads'] } },
    ],
    [
      'a prefix',
      { bucket: 'media-uploads', prefix: 'incoming/' },
      { bucket: { name: ['media-uploads'] }, object: { key: [{ prefix: 'incoming/' }] } },
    ],
    [
      'a suffix',
      { bucket: 'media-uploads', suffix: '.jpg' },
      { bucket: { name: ['media-uploads'] }, object: { key: [{ suffix: '.jpg' }] } },
    ],
    [
      // Two filters in one list would match either; one wildcard matches both.
      'a prefix and a suffix, as one wildcard',
      { bucket: 'media-uploads', prefix: 'incoming/', suffix: '.jpg' },
      { bucket: { name: ['media-uploads'] }, object: { key: [{ wildcard: 'incoming/*.jpg' }] } },
    ],
    [
      "a prefix and a suffix holding '*' and '\\', escaped",
      { bucket: 'media-uploads', prefix: 'raw*\\in/', suffix: '*.jpg' },
      { bucket: { name: ['media-uploads'] }, object: { key: [{ wildcard: 'raw\\*\\\\in/*\\*.jpg' }] } },
    ],
    [
      "a prefix with '*', taken literally by prefix matching",
      { bucket: 'media-uploads', prefix: 'raw*' },
      { bucket: { name: ['media-uploads'] }, object: { key: [{ prefix: 'raw*' }] } },
    ],
    [
      'a minimum size',
      { bucket: 'media-uploads', minSize: 1 },
      { bucket: { name: ['media-uploads'] }, object: { size: [{ numeric: ['>=', 1] }] } },
    ],
    [
      'a maximum size',
      { bucket: 'media-uploads', maxSize: 10_485_760 },
      { bucket: { name: ['media-uploads'] }, object: { size: [{ numeric: ['<=', 10_485_760] }] } },
    ],
    [
      'a size range including 0',
      { bucket: 'media-uploads', minSize: 0, maxSize: 1024 },
      { bucket: { name: ['media-uploads'] }, object: { size: [{ numeric: ['>=', 0, '<=', 1024] }] } },
    ],
    [
      'everything',
      { bucket: 'media-uploads', prefix: 'in/', suffix: '.png', minSize: 1, maxSize: 2048 },
      {
        bucket: { name: ['media-uploads'] },
        object: { key: [{ wildcard: 'in/*.png' }], size: [{ numeric: ['>=', 1, '<=', 2048] }] },
      },
    ],
  ])('matches %s', (_what, filter, detail) => {
    expect(objectCreatedPattern(filter)).toEqual({ ...S3, detail });
  });

  it('is plain JSON that survives serialization unchanged', () => {
    const pattern = objectCreatedPattern({
      bucket: 'media-uploads',
      prefix: 'a*',
      suffix: '\\b',
      minSize: 3,
    });

    expect(JSON.parse(JSON.stringify(pattern))).toEqual(pattern);
  });
});

describe('the other patterns', () => {
  it("matches the Task State Changes of one cluster that move a job, and every one of a service's task", () => {
    const cluster = 'arn:aws:ecs:us-east-1:111122223333:cluster/stevedore';

    expect(taskStateChangePattern(cluster)).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        clusterArn: [cluster],
        $or: [{ lastStatus: ['RUNNING', 'STOPPED'] }, { group: [{ prefix: 'service:' }] }],
      },
    });
  });

  it('matches the state changes of the given alarms', () => {
    expect(alarmStateChangePattern(['stevedore-mailer-backlog', 'stevedore-mailer-idle'])).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: ['stevedore-mailer-backlog', 'stevedore-mailer-idle'] },
    });
  });

  it('matches the Scheduled Events of the given rules', () => {
    const rules = ['arn:aws:events:us-east-1:111122223333:rule/stevedore-sweeper'];

    expect(scheduledEventPattern(rules)).toEqual({
      source: ['aws.events'],
      'detail-type': ['Scheduled Event'],
      resources: rules,
    });
  });

  it('does not share the caller arrays, so later edits do not change a deployed pattern', () => {
    const alarms = ['a'];
    const rules = ['arn:aws:events:us-east-1:111122223333:rule/r'];
    const alarmPattern = alarmStateChangePattern(alarms);
    const schedulePattern = scheduledEventPattern(rules);

    alarms.push('b');
    rules.push('arn:aws:events:us-east-1:111122223333:rule/s');

    expect(alarmPattern.detail).toEqual({ alarmName: ['a'] });
    expect(schedulePattern.resources).toEqual(['arn:aws:events:us-east-1:111122223333:rule/r']);
  });
});
