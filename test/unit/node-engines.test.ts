import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The README says Stevedore supports Node 22 (from 22.12) and 24, and that `npm install` is quiet on
 * them: no EBADENGINE. npm warns when an installed package's `engines.node` excludes the running Node,
 * so every package the lockfile installs must accept both.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const SUPPORTED = ['22.12.0', '24.0.0'];

type Version = [number, number, number];

function version(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text
    .replace(/^v/, '')
    .split('.')
    .map((n) => Number.parseInt(n, 10) || 0);
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** One comparator of an npm range: >=, >, <=, <, =, ^, ~, x-ranges, or a bare version. */
function satisfiesComparator(v: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?\s*v?([\dx*]+)(?:\.([\dx*]+))?(?:\.([\dx*]+))?/.exec(comparator);
  if (!match) throw new Error(`cannot read the range ${comparator}`);
  const [, op = '', ...parts] = match;
  const wild = (p: string | undefined) => p === undefined || p === 'x' || p === '*';
  const base: Version = [
    Number(parts[0]) || 0,
    wild(parts[1]) ? 0 : Number(parts[1]),
    wild(parts[2]) ? 0 : Number(parts[2]),
  ];
  const c = compare(v, base);
  switch (op) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '<':
      return c < 0;
    case '^':
      return c >= 0 && v[0] === base[0];
    case '~':
      return c >= 0 && v[0] === base[0] && v[1] === base[1];
    default:
      if (wild(parts[1])) return v[0] === base[0];
      if (wild(parts[2])) return v[0] === base[0] && v[1] === base[1];
      return c === 0;
  }
}

function satisfies(text: string, range: string): boolean {
  const v = version(text);
  // npm allows a space after an operator (`>= 14.21.3`).
  return range
    .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
    .split('||')
    .some((set) =>
      set
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .every((comparator) => satisfiesComparator(v, comparator)),
    );
}

describe('Node versions', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { engines?: { node?: string }; optional?: boolean; version?: string }>;
  };

  it.each(SUPPORTED)('every package npm installs accepts Node %s (no EBADENGINE)', (node) => {
    const refusing = Object.entries(lock.packages)
      // Optional platform packages (another OS's binaries, wasm fallbacks) are not installed here.
      .filter(([, pkg]) => !pkg.optional && pkg.engines?.node)
      .filter(([, pkg]) => !satisfies(node, pkg.engines?.node ?? '*'))
      .map(([path, pkg]) => `${path}@${pkg.version ?? ''} wants node ${pkg.engines?.node}`);
    expect(refusing).toEqual([]);
  });

  it('reads ranges as npm does, so the check can fail', () => {
    expect(satisfies('20.20.2', '>=22')).toBe(false);
    expect(satisfies('22.12.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('23.1.0', '^20.0.0 || ^22.0.0 || >=24.0.0')).toBe(false);
    expect(satisfies('24.0.0', '^22.12.0 || >=24')).toBe(true);
  });
});
