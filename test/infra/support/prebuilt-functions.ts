import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltFunction, buildFunctions as build } from '@stevedore/deploy';
import { harnessEnv } from './harness-env';

/*
 * Stands in for @stevedore/deploy's buildFunctions inside the program (build-program.ts swaps it in):
 * the global setup bundles every handler once, into a temporary directory, and each execution deploys
 * those bundles. The real one would bundle again on every execution, into the checkout's dist/.
 */

type Handler = BuiltFunction['handler'];

/** The prebuilt bundle directory of each handler, from the runner. */
function prebuilt(): Partial<Record<Handler, string>> {
  return JSON.parse(harnessEnv('bundles')) as Partial<Record<Handler, string>>;
}

/** The prebuilt bundles of the handlers asked for (all by default), in the order asked. */
export const buildFunctions: typeof build = async (options) => {
  const dirs = prebuilt();
  return (options.handlers ?? (Object.keys(dirs) as Handler[])).map((handler) => {
    const dir = dirs[handler];
    if (!dir) throw new Error(`no prebuilt bundle for ${handler}`);
    const file = join(dir, 'index.mjs');
    return { handler, dir, file, bytes: statSync(file).size };
  });
};
