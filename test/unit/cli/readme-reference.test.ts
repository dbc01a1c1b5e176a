import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configKeys } from '@stevedore/core/config';
import { describe, expect, it } from 'vitest';

/*
 * The README's config reference lists every key the schema accepts, section by section: a key added
 * to the schema without a line in the reference fails here.
 */

const README = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

/** The text of `### <name>` under `## Config reference`. */
function referenceSection(name: string): string {
  const reference = README.split(/^## /m).find((s) => s.startsWith('Config reference')) ?? '';
  return reference.split(/^### /m).find((s) => s.startsWith(`${name}\n`)) ?? '';
}

describe('the README config reference', () => {
  it.each(Object.entries(configKeys()))('documents every key of %s', (section, keys) => {
    const text = referenceSection(section);
    expect(text, `no "### ${section}" under "## Config reference"`).not.toBe('');
    expect(keys.filter((key) => !text.includes(`| \`${key}\` |`))).toEqual([]);
  });

  it('would see an undocumented key', () => {
    expect(referenceSection('tasks').includes('| `imageDigest` |')).toBe(false);
  });
});
