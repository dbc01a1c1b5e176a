import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'events');

/** A real AWS event from test/fixtures/events/<source>/<variant>.json, parsed fresh each call. */
export function loadEvent(source: string, variant: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, source, `${variant}.json`), 'utf8')) as Record<
    string,
    unknown
  >;
}
