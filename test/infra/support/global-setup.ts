import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildFunctions } from '@stevedore/deploy';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { INFRA_CASES, INFRA_CONFIGS } from '../cases';
import type { BundleContents } from '../checks';
import { buildProgram } from './build-program';
import type { ProgramOutcome } from './declared';
import { ensurePlatform, ROOT } from './platform';
import { runPrograms } from './run-program';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Each case's outcome, by case name (`example/dev`). */
    infraOutcomes: Record<string, ProgramOutcome>;
    /** The prebuilt function bundles, by directory. */
    infraBundles: Record<string, BundleContents>;
  }
}

/*
 * Everything the infra tests read, made once: SST's platform (installed when missing), each handler's
 * bundle, the program bundle, and one execution per case. All of it in a temporary directory.
 */

let scratch: string | undefined;

/** A bundle's files and the exports of its JavaScript files, as esbuild reads them. */
async function contentsOf(dir: string): Promise<BundleContents> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
  const exports: Record<string, string[]> = {};
  for (const file of files.filter((f) => /\.[mc]?js$/.test(f))) {
    const { metafile } = await build({
      entryPoints: [join(dir, file)],
      bundle: false,
      write: false,
      metafile: true,
      format: 'esm',
      outdir: dir,
      logLevel: 'silent',
    });
    exports[file] = Object.values(metafile.outputs).flatMap((o) => o.exports);
  }
  return { files, exports };
}

export async function setup(project: TestProject): Promise<void> {
  ensurePlatform();
  scratch = mkdtempSync(join(tmpdir(), 'stevedore-infra-'));
  const built = await buildFunctions({ root: ROOT, outDir: join(scratch, 'functions') });
  const bundles = Object.fromEntries(built.map((b) => [b.handler, b.dir]));
  const driver = await buildProgram(INFRA_CONFIGS, join(scratch, 'program'));
  project.provide('infraOutcomes', await runPrograms({ driver, bundles, scratch }, INFRA_CASES));
  project.provide(
    'infraBundles',
    Object.fromEntries(await Promise.all(built.map(async (b) => [b.dir, await contentsOf(b.dir)] as const))),
  );
}

export function teardown(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
