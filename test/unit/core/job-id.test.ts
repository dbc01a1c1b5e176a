import { NAME_PATTERN } from '@stevedore/core/config';
import { isJobId, manualJobId, s3JobId, scheduledJobId, sourceOfJobId } from '@stevedore/core/job';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const JOB_ID_FORMAT = /^(.+)-[0-9a-f]{20}$/;
const names = fc.stringMatching(NAME_PATTERN);
/** RunTask's clientToken holds at most 64 characters; Stevedore sends `<jobId>:<attempt>`. */
const CLIENT_TOKEN_MAX = 64;

describe('s3JobId', () => {
  const id = s3JobId('thumbnails', 'media-uploads', 'incoming/cat.jpg', '617f08299329d189');

  it('is <pipeline>-<20 hex digits>, the same for the same object version', () => {
    expect(id).toMatch(/^thumbnails-[0-9a-f]{20}$/);
    expect(s3JobId('thumbnails', 'media-uploads', 'incoming/cat.jpg', '617f08299329d189')).toBe(id);
  });

  it.each([
    ['another pipeline', s3JobId('previews', 'media-uploads', 'incoming/cat.jpg', '617f08299329d189')],
    ['another bucket', s3JobId('thumbnails', 'media-archive', 'incoming/cat.jpg', '617f08299329d189')],
    ['another key', s3JobId('thumbnails', 'media-uploads', 'incoming/dog.jpg', '617f08299329d189')],
    [
      'a new version of the object',
      s3JobId('thumbnails', 'media-uploads', 'incoming/cat.jpg', '617f08299329d18a'),
    ],
  ])('differs for %s', (_what, other) => {
    expect(other).not.toBe(id);
  });

  type S3Object = [pipeline: string, bucket: string, key: string, sequencer: string];
  it.each<[string, S3Object, S3Object]>([
    ['bucket and key', ['p', 'media-up', 'loads/cat.jpg', '01'], ['p', 'media-uploads', '/cat.jpg', '01']],
    ['key and sequencer', ['p', 'bucket', 'cat.jpg01', '02'], ['p', 'bucket', 'cat.jpg', '0102']],
    ['separators in the key', ['p', 'bucket', 'a;1:b', '01'], ['p', 'bucket', 'a', '1:b;01']],
  ])('tells apart parts that concatenate alike: %s', (_what, a, b) => {
    expect(s3JobId(...a)).not.toBe(s3JobId(...b));
  });

  it('differs for any two different objects', () => {
    const objects = fc.tuple(fc.string(), fc.string(), fc.stringMatching(/^[0-9a-f]{1,20}$/));
    fc.assert(
      fc.property(objects, objects, ([bucketA, keyA, seqA], [bucketB, keyB, seqB]) => {
        fc.pre(bucketA !== bucketB || keyA !== keyB || seqA !== seqB);

        expect(s3JobId('p', bucketA, keyA, seqA)).not.toBe(s3JobId('p', bucketB, keyB, seqB));
      }),
    );
  });
});

describe('scheduledJobId', () => {
  it('is the same for one scheduled time, and differs between times and schedules', () => {
    const id = scheduledJobId('nightly', '2026-01-01T03:00:00Z');

    expect(id).toMatch(/^nightly-[0-9a-f]{20}$/);
    expect(scheduledJobId('nightly', '2026-01-01T03:00:00Z')).toBe(id);
    expect(scheduledJobId('nightly', '2026-01-02T03:00:00Z')).not.toBe(id);
    expect(scheduledJobId('hourly', '2026-01-01T03:00:00Z')).not.toMatch(/^nightly-/);
  });

  it('differs from the S3 job of a pipeline with the same name', () => {
    expect(scheduledJobId('a', 'b')).not.toBe(s3JobId('a', 'b', '', ''));
  });
});

describe('sourceOfJobId and isJobId', () => {
  it('finds the source of every derived id, even a name with dashes and hex', () => {
    fc.assert(
      fc.property(names, fc.string(), fc.string(), (source, key, time) => {
        for (const id of [s3JobId(source, 'bucket', key, 'ab12'), scheduledJobId(source, time)]) {
          expect(id).toMatch(JOB_ID_FORMAT);
          expect(sourceOfJobId(id)).toBe(source);
          expect(isJobId(id)).toBe(true);
        }
      }),
    );
    expect(sourceOfJobId(s3JobId('a-0123456789abcdef0123', 'b', 'k', '01'))).toBe('a-0123456789abcdef0123');
  });

  it.each([
    ['no digest', 'thumbnails'],
    ['19 hex digits', 'thumbnails-0123456789abcdef012'],
    ['21 hex digits', 'thumbnails-0123456789abcdef01234'],
    ['upper-case hex', 'thumbnails-0123456789ABCDEF0123'],
    ['a source starting with a digit', '1thumbnails-0123456789abcdef0123'],
    ['a source of 41 characters', `${'t'.repeat(41)}-0123456789abcdef0123`],
    ['an ECS task id', 'e9511a82-9247-4239-89e9-ffd548ed9ee4'],
  ])('knows %s is not a job id', (_what, value) => {
    expect(sourceOfJobId(value)).toBeUndefined();
    expect(isJobId(value)).toBe(false);
  });
});

describe('ids and RunTask', () => {
  it('fits `<jobId>:<attempt>` in the 64-character clientToken for a 40-character source and 10 attempts', () => {
    const source = `p${'x'.repeat(39)}`;
    expect(source).toMatch(NAME_PATTERN);

    const token = `${s3JobId(source, 'media-uploads', 'k', '01')}:10`;

    expect(token.length).toBeLessThanOrEqual(CLIENT_TOKEN_MAX);
  });

  it('fits ECS startedBy: at most 128 letters, digits, -, / and _', () => {
    fc.assert(
      fc.property(names, fc.string(), (source, key) => {
        expect(s3JobId(source, 'b', key, '01')).toMatch(/^[A-Za-z0-9_/-]{1,128}$/);
      }),
    );
  });
});

describe('manualJobId', () => {
  it('is <source>-<20 hex digits> from the injected random bytes', () => {
    const bytes = Uint8Array.from([0x00, 0x01, 0x0a, 0x10, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff]);

    const id = manualJobId('thumbnails', () => bytes);

    expect(id).toBe('thumbnails-00010a107f80abcdefff');
    expect(sourceOfJobId(id)).toBe('thumbnails');
  });

  it('is a new id each time by default', () => {
    const a = manualJobId('thumbnails');
    const b = manualJobId('thumbnails');

    expect(isJobId(a)).toBe(true);
    expect(isJobId(b)).toBe(true);
    expect(a).not.toBe(b);
  });
});
