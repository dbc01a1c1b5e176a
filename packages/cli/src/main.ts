import { ConfigError } from '@stevedore/core/errors';
import { LocalRuntimeError } from '@stevedore/local/runtime-facts';
import { COMMANDS } from './commands/registry';
import { ArgumentError } from './lib/args';
import { CliError } from './lib/cli-error';
import { helpFor, indexText, resolveCommand } from './lib/command';

/** Set by the build (scripts/build.mjs) from packages/cli/package.json. */
declare const STEVEDORE_VERSION: string;
const VERSION = typeof STEVEDORE_VERSION === 'string' ? STEVEDORE_VERSION : 'development';

/** The words before a `--`, where --help counts; after it, `--help` is an argument like any other. */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Runs a command line; known failures become one clear line and exit code 1. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v' || first === 'version') {
    process.stdout.write(`stevedore ${VERSION}\n`);
    return 0;
  }
  if (first === undefined) {
    process.stderr.write(`${indexText(COMMANDS, VERSION)}\n`);
    return 1;
  }
  try {
    if (first === 'help' || first === '--help' || first === '-h') {
      const words = rest.filter((w) => !w.startsWith('-'));
      process.stdout.write(
        `${words.length === 0 ? indexText(COMMANDS, VERSION) : helpFor(COMMANDS, words)}\n`,
      );
      return 0;
    }
    if (wantsHelp(argv)) {
      const words = argv.filter((w) => !w.startsWith('-'));
      process.stdout.write(`${helpFor(COMMANDS, words)}\n`);
      return 0;
    }
    const resolved = resolveCommand(COMMANDS, argv);
    try {
      return await resolved.run(resolved.argv);
    } catch (error) {
      if (error instanceof ArgumentError) {
        const command = `stevedore ${resolved.path.join(' ')}`;
        throw new ArgumentError(`${command}: ${error.message}\n(see \`${command} --help\`)`);
      }
      throw error;
    }
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  // Argument errors already begin with the command they are about.
  if (error instanceof ArgumentError) {
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  if (error instanceof ConfigError || error instanceof CliError || error instanceof LocalRuntimeError) {
    process.stderr.write(`stevedore: ${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`stevedore: ${message}\n`);
  if (process.env.STEVEDORE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
  else process.stderr.write('(set STEVEDORE_DEBUG=1 for the stack trace)\n');
  return 1;
}

/**
 * Exits once what was written has left: stdout into a pipe is written asynchronously, and exiting at
 * once cut a long `--json` short (at 219,264 bytes of `jobs list --json --limit 101`). An empty write's
 * callback runs after every write before it.
 */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitAfterOutput, (error: unknown) => {
  process.stderr.write(`stevedore: ${String(error)}\n`);
  exitAfterOutput(1);
});
