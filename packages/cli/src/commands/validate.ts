import { type Config, localRunIssues, validateConfig } from '@stevedore/core/config';
import type { ConfigIssue } from '@stevedore/core/errors';
import { parseArgs } from '../lib/args';
import { DEFAULT_CONFIG, importConfig } from '../lib/load-config';
import { plural } from '../lib/table';

/** `stevedore validate`: every problem of the config, one per line. */
export async function validate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG },
      json: { type: 'boolean', default: false },
    },
  });
  const { raw, path } = await importConfig(values.config);
  const issues = [...validateConfig(raw), ...localIssuesOf(raw)];
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ config: path, valid: issues.length === 0, problems: issues }, null, 2)}\n`,
    );
    return issues.length === 0 ? 0 : 1;
  }
  if (issues.length === 0) {
    process.stdout.write(`${path}: valid\n`);
    return 0;
  }
  process.stdout.write(`${path}: ${plural(issues.length, 'problem')}\n`);
  for (const issue of issues)
    process.stdout.write(`  ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
  return 1;
}

/** The local runtime's needs, checked on whatever tasks are well enough formed to look at. */
function localIssuesOf(raw: unknown): ConfigIssue[] {
  const tasks = (raw as { tasks?: unknown } | null)?.tasks;
  if (typeof tasks !== 'object' || tasks === null) return [];
  const formed = Object.fromEntries(
    Object.entries(tasks).filter(([, task]) => typeof task === 'object' && task !== null),
  ) as Config['tasks'];
  return localRunIssues({ tasks: formed });
}
