import type { ConfigIssue } from '../errors';
import type { Config } from './schema';

/**
 * What the local runtime needs beyond what a deploy does: `stevedore dev` runs each task as a local
 * process (it pulls no image), so a task without `local.command` could never start there; every
 * attempt would fail with CannotPullContainerError. `stevedore validate` reports these with the
 * config's problems, and `stevedore dev` refuses to start on them.
 */
export function localRunIssues(config: Pick<Config, 'tasks'>): ConfigIssue[] {
  return Object.entries(config.tasks)
    .filter(([, task]) => !task.local?.command)
    .map(([name]) => ({
      path: `tasks.${name}.local.command`,
      message:
        "required to run the task on `stevedore dev`, which starts a local process in place of the image: e.g. local: { command: ['node', 'task.mjs'] }",
    }));
}
