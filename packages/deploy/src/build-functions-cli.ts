/**
 * npm run build:functions — bundles every handler and prints its size against the 400 KB budget.
 * Exits 1 when a bundle is over budget.
 */
import { BUNDLE_BUDGET_BYTES, buildFunctions } from './build-functions';

const built = await buildFunctions({ root: process.cwd() });
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const width = Math.max(...built.map((b) => b.handler.length));
console.log(`${'FUNCTION'.padEnd(width)}  ${'SIZE'.padStart(9)}  BUDGET`);
for (const b of built) {
  const share = `${Math.round((b.bytes / BUNDLE_BUDGET_BYTES) * 100)}% of ${kb(BUNDLE_BUDGET_BYTES)}`;
  console.log(
    `${b.handler.padEnd(width)}  ${kb(b.bytes).padStart(9)}  ${share}${b.bytes > BUNDLE_BUDGET_BYTES ? '  OVER' : ''}`,
  );
}
console.log(`bundles in ${built[0]?.dir.replace(/\/[^/]+$/, '') ?? 'dist/functions'}`);
if (built.some((b) => b.bytes > BUNDLE_BUDGET_BYTES)) process.exit(1);
