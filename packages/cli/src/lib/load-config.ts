import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Config, parseConfig } from '@stevedore/core/config';
import { CliError } from './cli-error';

export const DEFAULT_CONFIG = 'stevedore.config.ts';

export interface LoadedConfig {
  config: Config;
  path: string;
  dir: string;
}

/** Imports a stevedore.config.ts (TypeScript, through tsx) and validates it; ConfigError lists every problem. */
export async function loadConfig(path = DEFAULT_CONFIG): Promise<LoadedConfig> {
  const imported = await importConfig(path);
  return { config: parseConfig(imported.raw), path: imported.path, dir: imported.dir };
}

/** Imports the config module without validating it (for `stevedore validate`, which reports problems itself). */
export async function importConfig(
  path = DEFAULT_CONFIG,
): Promise<{ raw: unknown; path: string; dir: string }> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new CliError(`config not found: ${absolute} (pass --config <path>)`);
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
  } catch (error) {
    throw new CliError(
      `cannot load ${absolute}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  if (module.default === undefined) {
    throw new CliError(`${absolute} has no default export (export default defineConfig({...}))`);
  }
  return { raw: module.default, path: absolute, dir: dirname(absolute) };
}
