import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HANDLER_NAMES, type HandlerName } from '@stevedore/core/events';
import { build, type BuildOptions as EsbuildOptions } from 'esbuild';

/*
 * Each Lambda function is one esbuild bundle: ESM for Node 22, minified, the AWS SDK included (so the
 * code that runs is the code that was tested, not whatever SDK the runtime ships), the config bundled
 * in. Infra deploys these directories as they are.
 */

/** Each bundle must stay under this (DESIGN.md, performance budgets). */
export const BUNDLE_BUDGET_BYTES = 400 * 1024;

export interface BuiltFunction {
  handler: HandlerName;
  /** Directory holding index.mjs, deployable as the function's code. */
  dir: string;
  file: string;
  bytes: number;
}

export interface BuildOptions {
  /** The project root (where functions/ and stevedore.config.ts are). */
  root: string;
  /** Where bundles go (default <root>/dist/functions). */
  outDir?: string;
  handlers?: readonly HandlerName[];
}

/** Bundles the handlers' Lambda entry points. */
export async function buildFunctions(options: BuildOptions): Promise<BuiltFunction[]> {
  const root = resolve(options.root);
  const outDir = resolve(options.outDir ?? join(root, 'dist', 'functions'));
  const built: BuiltFunction[] = [];
  for (const handler of options.handlers ?? HANDLER_NAMES) {
    const dir = join(outDir, handler);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'index.mjs');
    await build({
      ...functionBundleOptions(root),
      entryPoints: [join(root, 'functions', `${handler}.ts`)],
      outfile: file,
    });
    built.push({ handler, dir, file, bytes: statSync(file).size });
  }
  return built;
}

/**
 * How every function bundle is built (entry and output aside). bench:coldstart builds its bare SDK
 * baseline with the very same options, so the two differ only in what they import.
 */
export function functionBundleOptions(root: string): EsbuildOptions {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    treeShaking: true,
    // The SDK's ES module builds tree-shake; its CommonJS ones (Node's default) do not.
    mainFields: ['module', 'main'],
    // On Lambda credentials come from the environment: the rest of the default chain is dead weight.
    alias: {
      '@aws-sdk/credential-provider-node': join(root, 'functions', 'lib', 'lambda', 'env-credentials.ts'),
    },
    legalComments: 'none',
    logLevel: 'warning',
    // Some dependencies still call require() for Node built-ins; give the ESM bundle one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  };
}
