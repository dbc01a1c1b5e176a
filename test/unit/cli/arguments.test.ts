import { closest, parseArgs, renderTable } from '@stevedore/cli/format';
import { describe, expect, it } from 'vitest';

describe('CLI arguments', () => {
  const options = {
    status: { type: 'string' },
    json: { type: 'boolean' },
    pipeline: { type: 'string' },
  } as const;

  it.each([
    [['--stauts', 'FAILED'], 'unknown option --stauts (did you mean --status?)'],
    [['--jsn'], 'unknown option --jsn (did you mean --json?)'],
    [['--zebra'], 'unknown option --zebra'],
    [['--pipeline'], '--pipeline expects a value'],
    [['--pipeline', '--json'], '--pipeline expects a value'],
    [['--json=yes'], '--json takes no value (got --json=yes)'],
    [['extra'], 'unexpected argument "extra"'],
  ])('%j is refused with one plain line', (args, message) => {
    expect(() => parseArgs({ args, options })).toThrow(message);
  });

  it('takes a value that starts with a dash when given with =', () => {
    expect(parseArgs({ args: ['--pipeline=-x'], options }).values.pipeline).toBe('-x');
  });

  it('suggests only what is close', () => {
    expect(closest('jbos', ['jobs', 'logs', 'dev'])).toBe('jobs');
    expect(closest('lst', ['list', 'show', 'watch'])).toBe('list');
    expect(closest('xyz', ['list', 'show', 'watch'])).toBeUndefined();
  });
});

describe('CLI tables', () => {
  it('fit 100 columns by narrowing the free-text columns, cut with an ellipsis', () => {
    const rows = [{ id: 'summarize-1a2b3c4d', reason: 'x'.repeat(200), key: `incoming/${'k'.repeat(80)}` }];
    const table = renderTable(rows, [
      { header: 'JOB', cell: (r) => r.id },
      { header: 'INPUT', cell: (r) => r.key, shrink: true },
      { header: 'REASON', cell: (r) => r.reason, shrink: true },
    ]);
    const lines = table.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBe(100);
    expect(lines[1]).toMatch(/^summarize-1a2b3c4d {2}incoming\/k+… {2}x+…$/);
  });

  it('leave a narrow table as it is', () => {
    expect(renderTable([{ a: '1' }], [{ header: 'A', cell: (r) => r.a, shrink: true }])).toBe('A\n1');
  });
});
