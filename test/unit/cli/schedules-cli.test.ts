import { nextCell } from '@stevedore/cli/format';
import { describe, expect, it } from 'vitest';

describe('stevedore schedules: the NEXT column', () => {
  it('shows the first time in full and the rest as times, with the date and offset only when they change', () => {
    expect(
      nextCell(['2026-03-29T01:00:00+01:00', '2026-03-29T03:00:00+02:00', '2026-03-30T03:00:00+02:00']),
    ).toBe('2026-03-29 01:00 +01:00, 03:00 +02:00, 03-30 03:00');
    expect(nextCell(['2026-11-22T06:00:00+01:00', '2026-11-23T06:00:00+01:00'])).toBe(
      '2026-11-22 06:00 +01:00, 11-23 06:00',
    );
  });

  it('is empty for a schedule with no next fire time (disabled, or a past at())', () => {
    expect(nextCell([])).toBe('');
  });
});
