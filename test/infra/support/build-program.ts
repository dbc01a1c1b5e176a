import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, type Loader, type Plugin } from 'esbuild';
import { HARNESS_ENV } from './harness-env';
import { lockedProviders, PLATFORM_DIR, ROOT } from './platform';

/*
 * Bundles sst.config.ts the way `sst deploy` does (pkg/js and pkg/project/stack.go in sst/sst): one
 * ESM file; SST's shim injected for `$config`, `$interpolate`, `$resolve`, `$util`; the providers
 * (`aws`, `dockerbuild`) and `sst` imported into every file outside `.sst`; Pulumi, the AWS SDK,
 * esbuild and a few more left to Node and resolved as from `.sst/platform`, where `sst deploy` writes
 * its bundle (links in the temporary directory stand in: the platform's node_modules, then the
 * root's). What differs: the entry is the harness, not SST's; the config `infra/stevedore.ts` imports
 * becomes the variant named by `$STEVEDORE_INFRA_CONFIG`; and `buildFunctions` hands out the bundles
 * the global setup built once.
 */

/** What `sst deploy` leaves to Node instead of bundling. */
const EXTERNAL = [
  '@pulumi/*',
  'undici',
  '@pulumiverse/*',
  '@sst-provider/*',
  '@aws-sdk/*',
  'esbuild',
  'archiver',
  'glob',
  'vite',
];

const BANNER = `import { createRequire as topLevelCreateRequire } from 'module';
const require = topLevelCreateRequire(import.meta.url);
import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"
const __filename = topLevelFileUrlToPath(import.meta.url)
const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`;

const SUPPORT = join(ROOT, 'test', 'infra', 'support');
const NAMESPACE = 'stevedore-infra';

/** `sst deploy` imports the providers and `sst` into every file outside `.sst`. */
function providerGlobals(): Plugin {
  const globals = [
    ...lockedProviders().map((p) => `import * as ${p.alias} from "${p.package}";`),
    `import * as sst from "${join(PLATFORM_DIR, 'src', 'components')}";`,
  ].join('\n');
  const loaders: Record<string, Loader> = { js: 'js', jsx: 'jsx', ts: 'ts', tsx: 'tsx' };
  return {
    name: 'provider-globals',
    setup(b) {
      b.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const loader = loaders[args.path.slice(args.path.lastIndexOf('.') + 1)] ?? 'js';
        return { contents: args.path.includes('.sst') ? source : `${globals}\n${source}`, loader };
      });
    },
  };
}

/** A plugin that replaces the module `importer` imports as `specifier` with generated code. */
interface Swap {
  plugin: Plugin;
  /** Fails when the import was not found: a swap that never happens would run the real module. */
  check(): void;
}

function swap(name: string, specifier: RegExp, importer: string, contents: () => string): Swap {
  let swapped = false;
  const plugin: Plugin = {
    name,
    setup(b) {
      b.onResolve({ filter: specifier }, (args) => {
        if (args.importer !== importer) return undefined;
        swapped = true;
        return { path: name, namespace: NAMESPACE };
      });
      b.onLoad({ filter: new RegExp(`^${name}$`), namespace: NAMESPACE }, () => ({
        contents: contents(),
        resolveDir: ROOT,
        loader: 'js',
      }));
    },
  };
  const check = () => {
    if (!swapped) {
      throw new Error(`build-program.ts: ${relative(ROOT, importer)} no longer imports ${specifier}`);
    }
  };
  return { plugin, check };
}

/**
 * Bundles the program, with every config variant (name to file, relative to the root), and the driver
 * that executes it into `outDir`; returns the driver.
 */
export async function buildProgram(configs: Record<string, string>, outDir: string): Promise<string> {
  // Node resolves what is left to it as from `.sst/platform`: its node_modules, then the root's.
  mkdirSync(join(outDir, 'platform'), { recursive: true });
  symlinkSync(join(PLATFORM_DIR, 'node_modules'), join(outDir, 'platform', 'node_modules'), 'dir');
  symlinkSync(join(ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  const outfile = join(outDir, 'platform', 'program.mjs');
  const names = Object.keys(configs);
  const configModule = () =>
    [
      ...names.map((name, i) => `import c${i} from ${JSON.stringify(join(ROOT, configs[name] ?? ''))};`),
      `const configs = { ${names.map((name, i) => `${JSON.stringify(name)}: c${i}`).join(', ')} };`,
      `const name = process.env.${HARNESS_ENV.config};`,
      'if (!(name in configs)) throw new Error("no config variant " + name);',
      'export default configs[name];',
    ].join('\n');
  const buildFunctionsModule = () =>
    [
      `export * from ${JSON.stringify(join(ROOT, 'packages', 'deploy', 'src', 'build-functions.ts'))};`,
      `export { buildFunctions } from ${JSON.stringify(join(SUPPORT, 'prebuilt-functions.ts'))};`,
    ].join('\n');

  const swaps = [
    swap('stevedore-config', /stevedore\.config(\.ts)?$/, join(ROOT, 'infra', 'stevedore.ts'), configModule),
    swap(
      'build-functions',
      /^\.\/build-functions(\.ts|\.js)?$/,
      join(ROOT, 'packages', 'deploy', 'src', 'index.ts'),
      buildFunctionsModule,
    ),
  ];
  await build({
    stdin: {
      contents: [
        `import { executeProgram } from ${JSON.stringify(join(SUPPORT, 'harness.ts'))};`,
        `import { run } from ${JSON.stringify(join(PLATFORM_DIR, 'src', 'auto', 'run.ts'))};`,
        `import mod from ${JSON.stringify(join(ROOT, 'sst.config.ts'))};`,
        'export const execute = () => executeProgram(mod, run);',
      ].join('\n'),
      resolveDir: ROOT,
      sourcefile: 'eval.ts',
      loader: 'ts',
    },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    mainFields: ['module', 'main'],
    nodePaths: [join(PLATFORM_DIR, 'node_modules')],
    external: EXTERNAL,
    inject: [join(PLATFORM_DIR, 'src', 'shim', 'run.js')],
    banner: { js: BANNER },
    sourcemap: 'linked',
    logLevel: 'silent',
    plugins: [...swaps.map((s) => s.plugin), providerGlobals()],
  });
  for (const s of swaps) s.check();
  const driver = join(outDir, 'platform', 'driver.mjs');
  await build({
    entryPoints: [join(SUPPORT, 'driver.ts')],
    outfile: driver,
    bundle: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  return driver;
}
