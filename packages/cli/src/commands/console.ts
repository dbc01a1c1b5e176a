import { startConsole } from '@stevedore/console';
import { parseArgs } from '../lib/args';
import { consoleBackend } from '../lib/console-backend';
import { quietLogger } from '../lib/control-deps';
import { loadConfig } from '../lib/load-config';
import { numberFlag } from '../lib/number-flag';
import { resolveTarget, TARGET_OPTIONS } from '../lib/target';

/** `stevedore console`: serves the console against the local runtime or a stage until Ctrl-C. */
export async function consoleCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...TARGET_OPTIONS, port: { type: 'string', default: '0' } },
  });
  const port = numberFlag('port', values.port, { min: 0, max: 65535, integer: true });
  const target = await resolveTarget(values);
  const config = target.kind === 'aws' ? target.config : (await loadConfig(values.config)).config;
  const built = consoleBackend(target, config);
  const server = await startConsole({ port, backend: built.backend, logger: quietLogger() });
  process.stdout.write(
    `stevedore console for ${built.backend.where}: ${server.url}\n(assets ${(server.assets.gzippedBytes / 1024).toFixed(0)} KB gzipped; Ctrl-C stops)\n`,
  );
  return new Promise((resolve) => {
    const stop = () => {
      server.close().then(() => {
        built.close();
        target.client.destroy();
        resolve(0);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
