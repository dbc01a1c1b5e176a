import { numberFlag } from '@stevedore/cli/format';
import { describe, expect, it } from 'vitest';

describe('numeric CLI flags', () => {
  it('takes a number in range', () => {
    expect(numberFlag('interval', '0.5', { min: 0.1, max: 3600 })).toBe(0.5);
    expect(numberFlag('limit', '20', { min: 1, max: 10_000, integer: true })).toBe(20);
  });

  it.each([
    ['abc', 'a number'],
    ['', 'a number'],
    ['0', 'a number'],
    ['Infinity', 'a number'],
    ['1e9', 'a number'],
  ])('rejects --interval %j, naming the flag, the range and the value', (raw) => {
    expect(() => numberFlag('interval', raw, { min: 0.1, max: 3600 })).toThrow(
      `--interval expects a number from 0.1 to 3600, got ${raw}`,
    );
  });

  it('rejects a fraction where an integer is expected', () => {
    expect(() => numberFlag('attempt', '1.5', { min: 1, max: 999, integer: true })).toThrow(
      '--attempt expects an integer from 1 to 999, got 1.5',
    );
  });
});
