import { MalformedEventError } from '@stevedore/core/errors';
import {
  parseObjectCreated,
  parseScheduledEvent,
  parseScheduleFired,
  parseTaskStateChange,
  scheduleTargetInput,
  snapshotOfDetail,
} from '@stevedore/core/events';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../support/fixtures';

type Detail = Record<string, unknown> & {
  containers: Record<string, unknown>[];
  object: Record<string, unknown>;
};
const detailOf = (event: Record<string, unknown>) => event.detail as Detail;

/** The MalformedEventError a parser throws; fails the test when it throws nothing or something else. */
function malformed(parse: (event: unknown) => unknown, event: unknown): MalformedEventError {
  try {
    parse(event);
  } catch (error) {
    if (error instanceof MalformedEventError) return error;
    throw error;
  }
  throw new Error('expected a MalformedEventError');
}

describe('real events parse', () => {
  it('reads what Stevedore needs from a captured Fargate Task State Change', () => {
    const event = loadEvent('ecs', 'task-state-change-deprovisioning');

    const snapshot = snapshotOfDetail(parseTaskStateChange(event).detail);

    expect(snapshot).toEqual({
      taskArn: 'arn:aws:ecs:us-east-2:667471847564:task/e9511a82-9247-4239-89e9-ffd548ed9ee4',
      clusterArn: 'arn:aws:ecs:us-east-2:667471847564:cluster/primary-cluster',
      taskDefinitionArn: 'arn:aws:ecs:us-east-2:667471847564:task-definition/voterintake:11',
      version: 4,
      lastStatus: 'DEPROVISIONING',
      desiredStatus: 'STOPPED',
      group: 'family:voterintake',
      overrideEnv: {
        VOTERINTAKE_OP: 'convert-and-load',
        VOTERINTAKE_STATE: 'OH',
        VOTERINTAKE_DATE: '20191109',
        TMPDIR: '/data',
      },
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'voterintake', exitCode: 0 }],
      cpu: 4096,
      memory: 12288,
      launchType: 'FARGATE',
      platformVersion: '1.3.0',
      createdAt: '2019-11-19T20:38:07.789Z',
      pullStartedAt: '2019-11-19T20:38:24.975Z',
      pullStoppedAt: '2019-11-19T20:38:27.975Z',
      startedAt: '2019-11-19T20:38:27.975Z',
      stoppingAt: '2019-11-19T21:13:34.795Z',
    });
  });

  it('reads the Task State Change sample of the ECS Developer Guide', () => {
    const event = loadEvent('ecs', 'task-state-change-running');

    const parsed = parseTaskStateChange(event);
    const snapshot = snapshotOfDetail(parsed.detail);

    expect(parsed).toMatchObject({
      id: '3317b2af-7005-947d-b652-f55e762e571a',
      source: 'aws.ecs',
      'detail-type': 'ECS Task State Change',
    });
    expect(snapshot).toMatchObject({
      lastStatus: 'RUNNING',
      version: 4,
      cpu: 256,
      memory: 512,
      overrideEnv: {},
    });
    expect(snapshot.containers).toEqual([{ name: 'FargateApp' }]);
    expect(snapshot).not.toHaveProperty('stopCode');
    expect(snapshot).not.toHaveProperty('stoppedAt');
  });

  it('reads an S3 Object Created event, with its key as written (not URL-encoded)', () => {
    const event = loadEvent('s3', 'object-created');
    detailOf(event).object.key = 'incoming/my cat+dog é.jpg';

    const parsed = parseObjectCreated(event);

    expect(parsed.detail.bucket.name).toBe('DOC-EXAMPLE-BUCKET1');
    expect(parsed.detail.object).toMatchObject({
      key: 'incoming/my cat+dog é.jpg',
      size: 5,
      etag: 'b1946ac92492d2347c6235b4d2611184',
      'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
      sequencer: '617f08299329d189',
    });
    expect(parsed.detail.reason).toBe('PutObject');
  });

  it('reads a Scheduled Event, with or without a detail', () => {
    const event = loadEvent('events', 'scheduled-event');

    expect(parseScheduledEvent(event)).toMatchObject({
      resources: ['arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule'],
      time: '2015-10-08T16:53:06Z',
      detail: {},
    });
    delete event.detail;
    expect(parseScheduledEvent(event).detail).toEqual({});
  });

  it('tolerates fields AWS may add', () => {
    const ecs = loadEvent('ecs', 'task-state-change-deprovisioning');
    Object.assign(ecs, { 'replay-name': 'replay-1' });
    Object.assign(detailOf(ecs), { ephemeralStorage: { sizeInGiB: 20 }, somethingNew: [1, 2] });
    Object.assign(detailOf(ecs).containers[0] ?? {}, { managedAgents: [], gpuIds: ['0'] });
    const s3 = loadEvent('s3', 'object-created');
    Object.assign(detailOf(s3).object, { checksumAlgorithm: 'CRC32' });

    expect(snapshotOfDetail(parseTaskStateChange(ecs).detail)).toEqual(
      snapshotOfDetail(parseTaskStateChange(loadEvent('ecs', 'task-state-change-deprovisioning')).detail),
    );
    expect(parseObjectCreated(s3).detail.object.key).toBe('example-key');
  });
});

describe('malformed events', () => {
  const ecs = (edit: (event: Record<string, unknown>, detail: Detail) => void) => {
    const event = loadEvent('ecs', 'task-state-change-deprovisioning');
    edit(event, detailOf(event));
    return event;
  };
  const s3 = (edit: (event: Record<string, unknown>, detail: Detail) => void) => {
    const event = loadEvent('s3', 'object-created');
    edit(event, detailOf(event));
    return event;
  };

  it.each<[string, (event: unknown) => unknown, Record<string, unknown>, string]>([
    ['no task ARN', parseTaskStateChange, ecs((_e, d) => delete d.taskArn), 'detail.taskArn'],
    [
      'a task id for an ARN',
      parseTaskStateChange,
      ecs((_e, d) => {
        d.taskArn = 'e9511a82-9247-4239-89e9-ffd548ed9ee4';
      }),
      'detail.taskArn',
    ],
    [
      'the version as a string',
      parseTaskStateChange,
      ecs((_e, d) => {
        d.version = '4';
      }),
      'detail.version',
    ],
    [
      'a fractional version',
      parseTaskStateChange,
      ecs((_e, d) => {
        d.version = 4.5;
      }),
      'detail.version',
    ],
    ['no lastStatus', parseTaskStateChange, ecs((_e, d) => delete d.lastStatus), 'detail.lastStatus'],
    [
      'an exit code as a string',
      parseTaskStateChange,
      ecs((_e, d) => {
        if (d.containers[0]) d.containers[0].exitCode = '0';
      }),
      'detail.containers.0.exitCode',
    ],
    [
      'a time that is not a time',
      parseTaskStateChange,
      ecs((_e, d) => {
        d.stoppingAt = 'yesterday';
      }),
      'detail.stoppingAt',
    ],
    [
      'another source',
      parseTaskStateChange,
      ecs((e) => {
        e.source = 'aws.batch';
      }),
      'source',
    ],
    [
      'another detail-type',
      parseTaskStateChange,
      ecs((e) => {
        e['detail-type'] = 'ECS Container Instance State Change';
      }),
      'detail-type',
    ],
    ['no detail', parseTaskStateChange, ecs((e) => delete e.detail), 'detail'],
    ['no object key', parseObjectCreated, s3((_e, d) => delete d.object.key), 'detail.object.key'],
    [
      'an empty object key',
      parseObjectCreated,
      s3((_e, d) => {
        d.object.key = '';
      }),
      'detail.object.key',
    ],
    [
      'a non-hex sequencer',
      parseObjectCreated,
      s3((_e, d) => {
        d.object.sequencer = '617f0829-9329d189';
      }),
      'detail.object.sequencer',
    ],
    // S3_SIZE and the pipelines' size bounds use it: AWS always sends it, so its absence is malformed.
    ['no object size', parseObjectCreated, s3((_e, d) => delete d.object.size), 'detail.object.size'],
    [
      'a negative size',
      parseObjectCreated,
      s3((_e, d) => {
        d.object.size = -1;
      }),
      'detail.object.size',
    ],
    ['an ECS event for S3', parseObjectCreated, loadEvent('ecs', 'task-state-change-running'), 'source'],
    [
      'a time that is not a time',
      parseScheduledEvent,
      { ...loadEvent('events', 'scheduled-event'), time: 'now' },
      'time',
    ],
    ['no event id', parseScheduledEvent, { ...loadEvent('events', 'scheduled-event'), id: undefined }, 'id'],
  ])('rejects an event with %s, naming the field', (_what, parse, event, path) => {
    const error = malformed(parse, event);

    expect(error.problems[0]).toMatch(new RegExp(`^${path.replace(/\./g, '\\.')}: `));
    expect(error.message).toContain(`${path}: `);
  });

  it('says which kind of event was malformed, and lists each problem', () => {
    const error = malformed(
      parseTaskStateChange,
      ecs((_e, d) => {
        d.version = 'four';
        delete d.clusterArn;
      }),
    );

    expect(error.source).toBe('ECS Task State Change');
    expect(error.problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'detail.clusterArn',
      'detail.version',
    ]);
    expect(error.message).toMatch(/^malformed ECS Task State Change event: /);
  });

  it('rejects something that is not an event at all', () => {
    expect(malformed(parseObjectCreated, 'PutObject').problems).toEqual([
      expect.stringMatching(/^\(event\): /),
    ]);
    expect(malformed(parseTaskStateChange, null).problems).toEqual([expect.stringMatching(/^\(event\): /)]);
  });
});

describe('snapshotOfDetail', () => {
  it('merges the environment overrides of every container, skipping entries without a value', () => {
    const event = loadEvent('ecs', 'task-state-change-running');
    Object.assign(detailOf(event), {
      overrides: {
        containerOverrides: [
          {
            name: 'main',
            environment: [
              { name: 'STEVEDORE_JOB_ID', value: 'thumbnails-0123456789abcdef0123' },
              { name: 'EMPTY' },
            ],
          },
          { name: 'sidecar', environment: [{ name: 'STEVEDORE_ATTEMPT', value: '2' }] },
          { name: 'no-env' },
        ],
      },
    });

    const snapshot = snapshotOfDetail(parseTaskStateChange(event).detail);

    expect(snapshot.overrideEnv).toEqual({
      STEVEDORE_JOB_ID: 'thumbnails-0123456789abcdef0123',
      STEVEDORE_ATTEMPT: '2',
    });
  });

  it('leaves out a cpu or memory that is not a number', () => {
    const event = loadEvent('ecs', 'task-state-change-running');
    Object.assign(detailOf(event), { cpu: '1 vCPU' });
    delete detailOf(event).memory;

    const snapshot = snapshotOfDetail(parseTaskStateChange(event).detail);

    expect(snapshot).not.toHaveProperty('cpu');
    expect(snapshot).not.toHaveProperty('memory');
  });
});

describe('EventBridge Scheduler input', () => {
  const fired = {
    schedule: 'nightly',
    scheduledTime: '2026-01-01T03:00:00Z',
    executionId: 'c1f4a6b2-5e7d-4c3b-9a8f-0e1d2c3b4a59',
  };

  it.each([
    ['a string', '2', 2],
    ['a number', 3, 3],
  ])('accepts the attempt number as %s', (_as, attempt, expected) => {
    expect(parseScheduleFired({ ...fired, attempt })).toEqual({ ...fired, attempt: expected });
  });

  it('accepts an input without execution id and attempt', () => {
    expect(parseScheduleFired({ schedule: 'nightly', scheduledTime: fired.scheduledTime })).toEqual({
      schedule: 'nightly',
      scheduledTime: fired.scheduledTime,
    });
  });

  it.each([
    ['an attempt that is not a number', { ...fired, attempt: 'two' }, 'attempt'],
    [
      'an unfilled time placeholder',
      { ...fired, scheduledTime: '<aws.scheduler.scheduled-time>' },
      'scheduledTime',
    ],
    ['an empty schedule name', { ...fired, schedule: '' }, 'schedule'],
  ])('rejects %s', (_what, input, path) => {
    expect(malformed(parseScheduleFired, input).problems[0]).toMatch(new RegExp(`^${path}: `));
  });

  it('builds a target input with the Scheduler context placeholders, which parses once Scheduler fills them', () => {
    const template = scheduleTargetInput('nightly');

    expect(JSON.parse(template)).toEqual({
      schedule: 'nightly',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
    });
    const delivered = template
      .replace('<aws.scheduler.scheduled-time>', '2026-01-01T03:00:00Z')
      .replace('<aws.scheduler.execution-id>', fired.executionId)
      .replace('<aws.scheduler.attempt-number>', '1');
    expect(parseScheduleFired(JSON.parse(delivered))).toEqual({ ...fired, attempt: 1 });
  });
});
