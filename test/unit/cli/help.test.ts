import { COMMANDS, helpFor, indexText } from '@stevedore/cli/format';
import { describe, expect, it } from 'vitest';

/*
 * Each command and subcommand has its own help (what `stevedore <command> [<sub>] --help` and
 * `stevedore help <command> [<sub>]` print, exit 0; test/e2e/first-hour.test.ts runs a few as typed).
 */

describe('stevedore help', () => {
  it('lists every command, one line each', () => {
    const index = indexText(COMMANDS, '1.2.3');
    expect(index).toMatch(/^stevedore 1\.2\.3 /);
    for (const command of COMMANDS) expect(index).toMatch(new RegExp(`^ {2}${command.name} +\\S`, 'm'));
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s has its own help', (name, command) => {
    const help = helpFor(COMMANDS, [name]);
    expect(help).toMatch(new RegExp(`^stevedore ${name}\\b`));
    for (const sub of command.subcommands ?? []) {
      expect(help).toMatch(new RegExp(`^ {2}${sub.name} +\\S`, 'm'));
      const own = helpFor(COMMANDS, [name, sub.name]);
      expect(own).toMatch(new RegExp(`^stevedore ${name} ${sub.name}\\b`));
      // Its own synopsis only, not its siblings'.
      expect(own).not.toMatch(new RegExp(`^stevedore ${name} (?!${sub.name}\\b)`, 'm'));
    }
  });

  it('an argument after the command is not a subcommand', () => {
    expect(helpFor(COMMANDS, ['logs', 'summarize-1a2b3c4d'])).toBe(helpFor(COMMANDS, ['logs']));
  });
});
