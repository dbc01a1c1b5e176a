import { Writable } from 'node:stream';
import { eventDeadLettersText, progressReporter, summaryLine } from '@stevedore/cli/format';
import type { BackfillSummary } from '@stevedore/control';
import { describe, expect, it } from 'vitest';

const SUMMARY: BackfillSummary = {
  pipeline: 'photos',
  bucket: 'media',
  prefix: 'photos/',
  dryRun: false,
  listed: 53,
  matched: 50,
  alreadyHadJob: 1,
  created: 49,
  withoutJob: 49,
  jobIds: [],
};

/** A stderr stand-in that records what is written, as a terminal or not. */
function stream(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(out, { isTTY, text: () => chunks.join('') });
}

describe('stevedore pipelines backfill: what it prints', () => {
  it('sums up a backfill and a dry run in one line', () => {
    expect(summaryLine(SUMMARY)).toBe(
      'backfilled photos (s3://media/photos/): created 49 jobs; listed 53, matched 50, already had a job 1',
    );
    expect(summaryLine({ ...SUMMARY, dryRun: true, created: 0, withoutJob: 1 })).toBe(
      'dry run of photos (s3://media/photos/): would create 1 job; listed 53, matched 50, already had a job 1',
    );
  });

  it('draws a bar in place on a terminal, against the total counted first', () => {
    const err = stream(true);
    const progress = progressReporter(err, false);
    progress.total(50);

    progress.update({ listed: 53, matched: 20, alreadyHadJob: 0, created: 20, withoutJob: 20 });
    progress.done({ ...SUMMARY });

    expect(progress.bar).toBe(true);
    expect(err.text()).toBe(
      `\r[############..................] 20/50  20 created, 0 had a job, 53 listed\x1b[K\n`,
    );
  });

  it('writes a plain line every hundred objects, and the last count, when stderr is not a terminal', () => {
    const err = stream(false);
    const progress = progressReporter(err, true);
    const at = (n: number) => ({ listed: n, matched: n, alreadyHadJob: 0, created: 0, withoutJob: n });

    for (const n of [10, 100, 150, 200, 230]) progress.update(at(n));
    progress.done(at(230));

    expect(err.text()).toBe(
      [
        '100 objects: 100 without a job, 0 had a job, 100 listed',
        '200 objects: 200 without a job, 0 had a job, 200 listed',
        '230 objects: 230 without a job, 0 had a job, 230 listed',
        '',
      ].join('\n'),
    );
  });
});

describe('stevedore dead-letters list: the table', () => {
  it('shows each dead letter’s handler, when, attempts and error; an unknown target as such', () => {
    const text = eventDeadLettersText(
      [
        {
          id: '3f2a9c0d1e4b',
          handler: 'object-created',
          target: 'pipeline-photos',
          error: 'LedgerError: ledger createJob failed',
          attempts: 3,
          at: '2026-12-02T07:00:00.000Z',
          event: {},
        },
        {
          id: 'm-2',
          handler: undefined,
          target: 'old-rule',
          error: 'x',
          attempts: undefined,
          at: '',
          event: {},
        },
      ],
      'the dead-letter file',
    );

    expect(text.split('\n')).toEqual([
      'ID            HANDLER         DEAD-LETTERED             ATTEMPTS  ERROR',
      // Cut to fit 100 columns; --json has the whole error.
      '3f2a9c0d1e4b  object-created  2026-12-02T07:00:00.000Z         3  LedgerError: ledger createJob fai…',
      'm-2           ? (old-rule)                                        x',
    ]);
    expect(eventDeadLettersText([], 'the dead-letter file')).toBe('no dead letters in the dead-letter file');
  });
});
