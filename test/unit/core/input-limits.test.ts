import { compileApp } from '@stevedore/control';
import { parseConfig, resourceNames } from '@stevedore/core/config';
import { InvalidJobInputError, MalformedEventError } from '@stevedore/core/errors';
import { parseObjectCreated, parseScheduleFired, parseTaskStateChange } from '@stevedore/core/events';
import {
  MAX_KEY_BYTES,
  objectJob,
  objectKeyProblem,
  scheduleRunJob,
  timeProblem,
  utf8Bytes,
} from '@stevedore/core/job';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../support/fixtures';

/*
 * What may become a job's input (issue 13, defect 5): S3's key limit in UTF-8 bytes, keys S3 could
 * not have stored, a bounded sequencer, times in a sane range. Checked where events are parsed and
 * again where a job is built.
 */

/** 'é' is one UTF-16 unit and two UTF-8 bytes: 1,025 bytes in 513 units. */
const TOO_LONG_IN_BYTES = `${'é'.repeat(512)}x`;
const AT_THE_LIMIT = `${'é'.repeat(511)}xx`;

function objectCreated(edit: (object: Record<string, unknown>) => void): Record<string, unknown> {
  const event = loadEvent('s3', 'object-created');
  edit((event.detail as { object: Record<string, unknown> }).object);
  return event;
}

function problemsOf(parse: () => unknown): readonly string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof MalformedEventError) return error.problems;
    throw error;
  }
  throw new Error('expected a MalformedEventError');
}

describe('object keys', () => {
  it('counts UTF-8 bytes, not UTF-16 units', () => {
    expect(TOO_LONG_IN_BYTES.length).toBe(513);
    expect(utf8Bytes(TOO_LONG_IN_BYTES)).toBe(1025);
    expect(utf8Bytes(AT_THE_LIMIT)).toBe(MAX_KEY_BYTES);
    expect(utf8Bytes('😀')).toBe(4);
  });

  it('agrees with the UTF-8 encoder on any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(utf8Bytes(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
  });

  it.each([
    [
      '1,025 bytes in 513 UTF-16 units',
      TOO_LONG_IN_BYTES,
      'expected a key of at most 1024 bytes in UTF-8, not 1025',
    ],
    ['a NUL character', 'incoming/a\u0000b.jpg', 'the key contains a NUL character (at character 10)'],
    [
      'a lone high surrogate',
      'incoming/\uD83D.jpg',
      'the key is not valid Unicode: a lone surrogate at character 9',
    ],
    ['a lone low surrogate', '\uDE00.jpg', 'the key is not valid Unicode: a lone surrogate at character 0'],
    ['nothing', '', 'expected a non-empty key'],
  ])('refuses a key of %s, and the S3 event that carries it', (_what, key, problem) => {
    expect(objectKeyProblem(key)).toBe(problem);
    expect(problemsOf(() => parseObjectCreated(objectCreated((o) => (o.key = key))))).toEqual([
      `detail.object.key: ${problem}`,
    ]);
  });

  it('accepts a key of exactly 1,024 bytes, emoji (surrogate pairs) and spaces', () => {
    for (const key of [AT_THE_LIMIT, 'incoming/😀 cat.jpg']) {
      expect(objectKeyProblem(key)).toBeUndefined();
      expect(parseObjectCreated(objectCreated((o) => (o.key = key))).detail.object.key).toBe(key);
    }
  });
});

describe('sequencers', () => {
  it('refuses a 100 KB sequencer and accepts S3 ones', () => {
    const huge = 'A'.repeat(100_000);
    expect(problemsOf(() => parseObjectCreated(objectCreated((o) => (o.sequencer = huge))))).toEqual([
      'detail.object.sequencer: expected a sequencer of at most 64 hex digits',
    ]);
    const s3 = '0055AED6DCD90281E5';
    expect(parseObjectCreated(objectCreated((o) => (o.sequencer = s3))).detail.object.sequencer).toBe(s3);
  });
});

describe('times', () => {
  it.each([
    [
      'year 0000',
      '0000-01-01T00:00:00Z',
      'scheduledTime: expected a time from 2000 to 2199, not 0000-01-01T00:00:00.000Z',
    ],
    [
      'year 2200',
      '2200-01-01T00:00:00Z',
      'scheduledTime: expected a time from 2000 to 2199, not 2200-01-01T00:00:00.000Z',
    ],
    ['a bare number (Date.parse takes it)', '1', 'scheduledTime: expected an ISO 8601 time'],
    ['a date without a time', '2026-01-01', 'scheduledTime: expected an ISO 8601 time'],
  ])('a schedule firing for %s is refused', (_what, scheduledTime, problem) => {
    expect(problemsOf(() => parseScheduleFired({ schedule: 'nightly', scheduledTime }))).toEqual([problem]);
  });

  it('a task event with a time in year 0000 is refused', () => {
    const event = loadEvent('ecs', 'task-state-change-deprovisioning');
    (event.detail as Record<string, unknown>).startedAt = '0000-06-01T00:00:00.000Z';
    expect(problemsOf(() => parseTaskStateChange(event))).toEqual([
      'detail.startedAt: expected a time from 2000 to 2199, not 0000-06-01T00:00:00.000Z',
    ]);
  });

  it('accepts the times AWS writes, with Z or an offset', () => {
    for (const time of [
      '2026-01-01T03:00:00Z',
      '2019-10-02T17:04:40.985+0000',
      '2030-05-01T12:00:00.123+02:00',
    ]) {
      expect(timeProblem(new Date(time))).toBeUndefined();
      expect(parseScheduleFired({ schedule: 'nightly', scheduledTime: time }).scheduledTime).toBe(time);
    }
  });
});

describe('jobs are never built from bad input', () => {
  const config = parseConfig({
    app: 'limits',
    tasks: { work: { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/work:1', cpu: 256, memory: 512 } },
    pipelines: { uploads: { bucket: 'uploads', task: 'work' } },
    schedules: { nightly: { expression: 'cron(0 3 * * ? *)', task: 'work' } },
  });
  const app = compileApp(config, resourceNames('limits', 'local'));
  const now = new Date('2026-01-01T00:00:00Z');
  const sourceOf = (name: string) => {
    const found = app.source(name);
    if (!found) throw new Error(`no source ${name}`);
    return found.source;
  };

  it('an object job for a key S3 would refuse is an InvalidJobInputError naming the key', () => {
    const object = { bucket: 'uploads', key: TOO_LONG_IN_BYTES, size: 1, sequencer: '0A' };
    expect(() => objectJob(sourceOf('uploads'), object, now)).toThrow(
      new InvalidJobInputError('object key', 'expected a key of at most 1024 bytes in UTF-8, not 1025'),
    );
  });

  it('a schedule run for year 0000 is an InvalidJobInputError naming the time', () => {
    expect(() => scheduleRunJob(sourceOf('nightly'), '0000-01-01T00:00:00.000Z', now)).toThrow(
      /invalid scheduled time: expected a time from 2000 to 2199/,
    );
  });
});
