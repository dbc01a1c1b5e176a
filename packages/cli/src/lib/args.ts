import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cli-error';

/*
 * Every command reads its flags through here: Node's parser, with errors a user can act on. Node's
 * own say `Unknown option '--stauts'. To specify a positional argument starting with a '-', place it
 * at the end of the command after '--', as in '-- "--stauts"`; these say what is wrong, what was
 * probably meant, and main adds where the command's help is.
 */

/** A command line a command cannot take: main prints it with a pointer to the command's --help. */
export class ArgumentError extends CliError {
  override name = 'ArgumentError';
}

/** node:util's parseArgs, after checking the arguments itself so every problem reads plainly. */
export function parseArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof nodeParseArgs<T>> {
  const options = config.options ?? {};
  const { tokens } = nodeParseArgs({ ...config, strict: false, tokens: true });
  const flags = Object.keys(options).map((name) => `--${name}`);
  for (const token of tokens ?? []) {
    if (token.kind === 'positional' && !config.allowPositionals) {
      throw new ArgumentError(`unexpected argument ${JSON.stringify(token.value)}`);
    }
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) {
      const near = closest(token.rawName.startsWith('--') ? token.rawName : `--${token.name}`, flags);
      throw new ArgumentError(
        `unknown option ${token.rawName}${near ? ` (did you mean ${near}?)` : ''}${flags.length > 0 ? '' : ': this command takes no options'}`,
      );
    }
    if (spec.type === 'boolean' && token.inlineValue) {
      throw new ArgumentError(`${token.rawName} takes no value (got ${token.rawName}=${token.value})`);
    }
    if (spec.type === 'string') {
      // Without `=`, a value that looks like a flag is the user's next flag, not this one's value.
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
        throw new ArgumentError(`${token.rawName} expects a value${hint(spec)}`);
      }
    }
  }
  return nodeParseArgs(config);
}

function hint(spec: { default?: unknown }): string {
  return spec.default === undefined ? '' : ` (default ${String(spec.default)})`;
}

/** The candidate closest to what was typed, if it is close enough to be what was meant. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(typed.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  // Two edits on a long word, one on a short one: `--stauts` is --status, `--x` is nothing.
  const allowed = Math.max(1, Math.min(2, Math.floor(best.candidate.length / 4)));
  if (best.distance <= allowed) return best.candidate;
  const prefix = candidates.filter((c) => c.startsWith(typed) && typed.length >= 3);
  return prefix.length === 1 ? prefix[0] : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = value;
    }
  }
  return at(a.length, b.length);
}
