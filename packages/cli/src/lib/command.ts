import { ArgumentError, closest } from './args';
import { CliError } from './cli-error';

/*
 * The command tree: each command and subcommand with its one-line summary, its help and what runs it.
 * main() only walks this tree, so a new command is one more entry in src/commands/registry.ts.
 */

/** A command (`jobs`) or a subcommand (`jobs list`). */
export interface CommandSpec {
  /** The word typed after its parent: `jobs`, `list`. */
  name: string;
  /** One line for the parent's list of commands. */
  summary: string;
  /** The full help: synopsis, what it does, its options. */
  usage: string;
  /**
   * Runs the command on the words after its name. A subcommand without `run` is run by its parent's,
   * which then receives the subcommand's name first (for commands that read their own positionals).
   */
  run?: (argv: string[]) => Promise<number>;
  subcommands?: readonly CommandSpec[];
}

/** Where a command line leads: the command path, its spec, and the words its `run` receives. */
export interface Resolved {
  path: string[];
  spec: CommandSpec;
  run: (argv: string[]) => Promise<number>;
  argv: string[];
}

/** The help of a command with subcommands: its own usage, then each subcommand's synopsis. */
export function groupUsage(prefix: string, spec: CommandSpec): string {
  const subs = spec.subcommands ?? [];
  if (subs.length === 0) return spec.usage;
  const width = Math.max(...subs.map((s) => s.name.length));
  const list = subs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`).join('\n');
  return `${spec.usage}\n\nCommands:\n${list}\n\nRun \`${prefix} ${spec.name} <command> --help\` for a command's options.`;
}

/** Help for a path of words (`jobs list`), or the CliError naming what does not exist. */
export function helpFor(root: readonly CommandSpec[], words: readonly string[]): string {
  const [first, second] = words;
  const top = findCommand(root, first ?? '', 'stevedore');
  // A second word that is no subcommand is an argument (`logs <jobId> --help`, a flag's value).
  const sub = top.subcommands?.find((s) => s.name === second);
  return sub ? sub.usage : groupUsage('stevedore', top);
}

/** The command of this name, or an error with the closest name and the list of what there is. */
export function findCommand(specs: readonly CommandSpec[], name: string, where: string): CommandSpec {
  const spec = specs.find((s) => s.name === name);
  if (spec) return spec;
  const names = specs.map((s) => s.name);
  const near = closest(name, names);
  throw new ArgumentError(
    `${where}: unknown command ${JSON.stringify(name)}${near ? ` (did you mean ${near}?)` : ''}; commands: ${names.join(', ')}`,
  );
}

/** Finds what a command line runs. */
export function resolveCommand(root: readonly CommandSpec[], argv: readonly string[]): Resolved {
  const [name = '', ...rest] = argv;
  const top = findCommand(root, name, 'stevedore');
  if (!top.subcommands || top.subcommands.length === 0) {
    if (!top.run) throw new CliError(`stevedore ${top.name} has nothing to run`);
    return { path: [top.name], spec: top, run: top.run, argv: rest };
  }
  const [subName, ...subArgs] = rest;
  const sub =
    subName === undefined || subName.startsWith('-')
      ? undefined
      : top.subcommands.find((s) => s.name === subName);
  if (sub) {
    if (sub.run) return { path: [top.name, sub.name], spec: sub, run: sub.run, argv: subArgs };
    if (top.run) return { path: [top.name, sub.name], spec: sub, run: top.run, argv: rest };
  }
  // No subcommand: a group whose own run has a default (`stevedore workers`) runs it.
  if (top.run && (subName === undefined || subName.startsWith('-'))) {
    return { path: [top.name], spec: top, run: top.run, argv: rest };
  }
  if (subName === undefined) {
    throw new ArgumentError(`stevedore ${top.name} needs a command\n\n${groupUsage('stevedore', top)}`);
  }
  findCommand(top.subcommands, subName, `stevedore ${top.name}`); // throws: no such subcommand
  throw new CliError(`stevedore ${top.name} ${subName} has nothing to run`);
}

/** `stevedore --help`: one line per command. */
export function indexText(commands: readonly CommandSpec[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `stevedore ${version} — a serverless control plane for Amazon ECS on Fargate

Usage: stevedore <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`stevedore help <command>\` or \`stevedore <command> --help\` for a command's options;
\`stevedore --version\` prints the version. Every command that prints data takes --json.`;
}
