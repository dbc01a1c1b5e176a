import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/*
 * Where SST's platform is: `sst install` generates `.sst/platform` (gitignored) with SST's component
 * sources and the Pulumi packages they need, and `.sst/provider-lock.json` with the providers'
 * packages and the global names `sst.config.ts` uses for them (`aws`, `dockerbuild`).
 */

export const ROOT = resolve(import.meta.dirname, '../../..');
export const PLATFORM_DIR = join(ROOT, '.sst', 'platform');
const PROVIDER_LOCK = join(ROOT, '.sst', 'provider-lock.json');

/** A provider package and the global name the program uses for it. */
export interface ProviderEntry {
  package: string;
  alias: string;
}

/** The installed `sst` package's version, which `sst install` writes to `.sst/platform/version`. */
function sstVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'sst', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Runs `npm run sst:install` when the platform is missing, incomplete (a fresh clone) or from another
 * SST version than the one installed.
 */
export function ensurePlatform(): void {
  const needed = [
    join(PLATFORM_DIR, 'src', 'auto', 'run.ts'),
    join(PLATFORM_DIR, 'src', 'shim', 'run.js'),
    join(PLATFORM_DIR, 'node_modules', '@pulumi', 'pulumi', 'package.json'),
    PROVIDER_LOCK,
  ];
  const versionFile = join(PLATFORM_DIR, 'version');
  const current =
    needed.every((file) => existsSync(file)) &&
    existsSync(versionFile) &&
    readFileSync(versionFile, 'utf8').trim() === sstVersion();
  if (current) return;
  execFileSync('npm', ['run', 'sst:install'], { cwd: ROOT, stdio: 'inherit' });
}

/** The providers `sst install` locked, as `sst deploy` imports them into every file of the program. */
export function lockedProviders(): ProviderEntry[] {
  const entries: unknown = JSON.parse(readFileSync(PROVIDER_LOCK, 'utf8'));
  if (!Array.isArray(entries)) throw new Error(`${PROVIDER_LOCK}: expected a list of providers`);
  return entries.map((entry: { package?: unknown; alias?: unknown }) => {
    if (typeof entry.package !== 'string' || typeof entry.alias !== 'string') {
      throw new Error(`${PROVIDER_LOCK}: expected { package, alias } entries`);
    }
    return { package: entry.package, alias: entry.alias };
  });
}
