import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineTails, readRange } from '../../../packages/cli/src/lib/growing-file';

describe('LineTails (task logs followed by logs -f and the dev terminal)', () => {
  it('returns only whole new lines, keeps a line being written for later, and gives the rest once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'growing-'));
    const log = join(dir, 'a.log');
    const tails = new LineTails();
    expect(tails.newLines(log)).toBeUndefined();
    writeFileSync(log, 'old\n');
    tails.skipExisting(log);
    expect(tails.newLines(log)).toEqual([]);
    appendFileSync(log, 'one\ntw');
    expect(tails.newLines(log)).toEqual(['one']);
    appendFileSync(log, 'o\nthr');
    expect(tails.newLines(log)).toEqual(['two']);
    expect(tails.rest(log)).toBe('thr');
    expect(tails.rest(log)).toBeUndefined();
    expect(tails.paths()).toEqual([log]);
    expect(readRange(log, 4, 7).toString()).toBe('one');
    expect(readRange(log, 7, 7).length).toBe(0);
  });
});
