import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Config, parseConfig } from '@stevedore/core/config';
import type { Message } from 'esbuild';
import { CliError } from './cli-error';

export const DEFAULT_CONFIG = 'stevedore.config.ts';

export interface LoadedConfig {
  config: Config;
  path: string;
  dir: string;
}

/** Imports a stevedore.config.ts and validates it; ConfigError lists every problem. */
export async function loadConfig(path = DEFAULT_CONFIG): Promise<LoadedConfig> {
  const imported = await importConfig(path);
  return { config: parseConfig(imported.raw), path: imported.path, dir: imported.dir };
}

/** A config file that could not be read as a module: a syntax error says where, as a compiler does. */
export class ConfigLoadError extends CliError {
  override name = 'ConfigLoadError';
}

/**
 * Imports the config module without validating it (for `stevedore validate`, which reports problems
 * itself). A TypeScript config is the one thing the CLI compiles: esbuild bundles it with what it
 * imports (Stevedore's packages are TypeScript too) into a module written beside it and removed once
 * imported. A JavaScript config is imported as it is.
 */
export async function importConfig(
  path = DEFAULT_CONFIG,
): Promise<{ raw: unknown; path: string; dir: string }> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new CliError(`config not found: ${absolute} (pass --config <path>)`);
  const module = /\.[mc]?tsx?$/.test(absolute)
    ? await importTypeScript(absolute)
    : // A new URL each load: `stevedore dev` reloads a changed config, which Node's cache would hide.
      await importModule(absolute, absolute, `?loaded=${Date.now()}`);
  if (module.default === undefined) {
    throw new CliError(`${absolute} has no default export (export default defineConfig({...}))`);
  }
  return { raw: module.default, path: absolute, dir: dirname(absolute) };
}

type ConfigModule = { default?: unknown };

async function importTypeScript(absolute: string): Promise<ConfigModule> {
  const dir = dirname(absolute);
  let code: string;
  try {
    // Loaded only for a TypeScript config: every other command starts without esbuild.
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [absolute],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      nodePaths: cliNodeModules(),
      // A CommonJS package bundled into this ES module may call require.
      banner: {
        js: "import { createRequire as __stevedoreRequire } from 'node:module'; const require = __stevedoreRequire(import.meta.url);",
      },
    });
    code = result.outputFiles[0]?.text ?? '';
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (!errors || errors.length === 0) throw error;
    throw new ConfigLoadError(syntaxErrorText(absolute, errors), { cause: error });
  }
  // Beside the config (a dot-file, unique to this load), so `import.meta.dirname` in it is the
  // config's own directory.
  const compiled = join(dir, `.${basename(absolute)}.${process.pid}-${randomBytes(4).toString('hex')}.mjs`);
  writeFileSync(compiled, code);
  try {
    return await importModule(compiled, absolute);
  } finally {
    rmSync(compiled, { force: true });
  }
}

async function importModule(file: string, shownAs = file, query = ''): Promise<ConfigModule> {
  try {
    return (await import(`${pathToFileURL(file).href}${query}`)) as ConfigModule;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigLoadError(`cannot load ${shownAs}: ${message}`, { cause: error });
  }
}

/**
 * The node_modules that holds the running CLI's own packages. Stevedore's packages are TypeScript
 * sources, so they (and what they import) are bundled into the config; when the config's directory
 * has none (a project made by `stevedore init` anywhere), they are found here, so the config uses the
 * Stevedore that runs it.
 */
function cliNodeModules(): string[] {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', '@stevedore', 'core'))) return [join(dir, 'node_modules')];
  }
  return [];
}

/** `stevedore.config.ts:12:5: error: Expected "}" but found ")"`, the line, and a caret under the column. */
export function syntaxErrorText(configPath: string, errors: readonly Message[]): string {
  const lines = errors.map((e) => {
    const where = e.location
      ? `${relative(process.cwd(), resolve(e.location.file)) || configPath}:${e.location.line}:${e.location.column + 1}`
      : configPath;
    const source = e.location?.lineText
      ? `\n    ${e.location.lineText}\n    ${' '.repeat(e.location.column)}^`
      : '';
    return `${where}: error: ${e.text}${source}`;
  });
  const count = errors.length === 1 ? 'an error' : `${errors.length} errors`;
  return `cannot compile ${configPath} (${count}):\n${lines.join('\n')}`;
}
