import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/*
 * The e2e tier runs bin/stevedore.js as a user does, and that runs the built CLI (dist/): build it
 * from the sources under test first, so a run never exercises a stale bundle. It takes about a second.
 */
export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'packages', 'cli', 'scripts', 'build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}
