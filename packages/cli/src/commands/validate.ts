import { parseArgs } from 'node:util';
import { validateConfig } from '@stevedore/core/config';
import { DEFAULT_CONFIG, importConfig } from '../lib/load-config';

export const VALIDATE_USAGE = `stevedore validate [--config <path>]

  Checks a config and prints each problem with its path. Exit code 1 when there is any.`;

/** `stevedore validate`: every problem of the config, one per line. */
export async function validate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', default: DEFAULT_CONFIG } },
  });
  const { raw, path } = await importConfig(values.config);
  const issues = validateConfig(raw);
  if (issues.length === 0) {
    process.stdout.write(`${path}: valid\n`);
    return 0;
  }
  process.stdout.write(`${path}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n`);
  for (const issue of issues)
    process.stdout.write(`  ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
  return 1;
}
