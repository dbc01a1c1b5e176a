import * as v from 'valibot';
import { ConfigError, type ConfigIssue } from '../errors';
import { ScheduleExpressionError } from '../schedule/errors';
import { parseScheduleExpression } from '../schedule/schedule-expression';
import { checkTimezone } from '../schedule/zoned-time';
import { type CapacityConfig, capacityArchitectureIssue } from './capacity';
import { describeFargateMemory, FARGATE_CPU_VALUES, isValidFargateSize } from './fargate';
import { unknownNotifiedSources } from './notifications';
import { deadLetterQueueName, resourceId } from './resource-names';
import { type Config, type ConfigInput, ConfigSchema } from './schema';
import { secretIssues } from './secret-checks';

/**
 * Declares a Stevedore config. It returns its argument unchanged: the point is the type, so an editor
 * checks the config as it is written. Validation happens in `parseConfig`, where every reader loads it.
 */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}

/** Validates a config and fills its defaults; throws a ConfigError that lists every problem with its path. */
export function parseConfig(input: unknown): Config {
  const result = v.safeParse(ConfigSchema, input, { abortPipeEarly: true });
  if (!result.success) {
    const issues = result.issues.map(toConfigIssue);
    throw new ConfigError([...issues, ...crossCheckDespite(input, issues)]);
  }
  const issues = crossCheck(result.output);
  if (issues.length > 0) throw new ConfigError(issues);
  return result.output;
}

/**
 * The cross-checks of a config that failed its schema, so one `validate` shows every problem: each
 * bad value is taken out (its default applies, or, if it has none, its whole entry goes) and what is
 * left is checked. Problems about what was taken out are not reported twice.
 */
function crossCheckDespite(input: unknown, schemaIssues: ConfigIssue[]): ConfigIssue[] {
  let salvaged: unknown;
  try {
    salvaged = structuredClone(input);
  } catch {
    return [];
  }
  const removed = new Set<string>();
  const remove = (path: string) => {
    const keys = path.split('.');
    const last = keys.pop();
    let node: unknown = salvaged;
    for (const key of keys)
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    if (last === undefined || typeof node !== 'object' || node === null) return;
    delete (node as Record<string, unknown>)[last];
    removed.add(path);
  };
  // An entry of a named section is `section.name`; anything else, its top-level key.
  const entryOf = (path: string) => {
    const [first = '', second] = path.split('.');
    return ['tasks', 'pipelines', 'workers', 'schedules'].includes(first) && second
      ? `${first}.${second}`
      : first;
  };
  let issues = schemaIssues;
  for (const takeOut of [(path: string) => path, entryOf]) {
    for (const issue of issues) if (issue.path) remove(takeOut(issue.path));
    const again = v.safeParse(ConfigSchema, salvaged, { abortPipeEarly: true });
    if (again.success) {
      // A value taken out inside an entry leaves a default its neighbours are checked against
      // (backoff.maxSeconds against a default initialSeconds): nothing in that object is reported.
      const scopes = [...removed].map((r) => (r.split('.').length >= 3 ? r.slice(0, r.lastIndexOf('.')) : r));
      const within = (path: string) => scopes.some((r) => path === r || path.startsWith(`${r}.`));
      // A task taken out is not unknown: references to it are not reported.
      const takenOut = [...removed].flatMap((r) =>
        /^tasks\.[^.]+$/.test(r) ? [r.slice('tasks.'.length)] : [],
      );
      return crossCheck(again.output, new Set(takenOut)).filter((issue) => !within(issue.path));
    }
    issues = again.issues.map(toConfigIssue);
  }
  return [];
}

/** Every problem of a config, or [] when it is valid. For `stevedore validate`. */
export function validateConfig(input: unknown): ConfigIssue[] {
  try {
    parseConfig(input);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
}

function toConfigIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const path = v.getDotPath(issue) ?? '';
  // A value under `secrets` may be a secret pasted in by mistake: the message never repeats it.
  if (issue.message === 'unknown key' || issue.message === 'required' || /(^|\.)secrets\./.test(path))
    return { path, message: issue.message };
  return { path, message: `${issue.message}, got ${describeValue(issue.input)}` };
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Checks that span keys: references between sections, Fargate sizes, names shared by job sources. */
function crossCheck(config: Config, knownTasks: ReadonlySet<string> = new Set()): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const taskNames = Object.keys(config.tasks);
  const needTask = (path: string, task: string) => {
    if (!config.tasks[task] && !knownTasks.has(task)) {
      const known = taskNames.length > 0 ? taskNames.join(', ') : 'none are defined';
      issues.push({ path, message: `unknown task ${JSON.stringify(task)} (tasks: ${known})` });
    }
  };

  const checkSpotArchitecture = (path: string, capacity: CapacityConfig | undefined, task: string) => {
    const architecture = config.tasks[task]?.architecture;
    const issue = capacity && architecture ? capacityArchitectureIssue(capacity, architecture) : undefined;
    if (issue) issues.push({ path, message: issue });
  };
  for (const [name, task] of Object.entries(config.tasks)) {
    checkSpotArchitecture(`tasks.${name}.capacity`, task.capacity, name);
    if (!isValidFargateSize(task.cpu, task.memory)) {
      const key = FARGATE_CPU_VALUES.includes(task.cpu) ? 'memory' : 'cpu';
      const got = key === 'memory' ? task.memory : task.cpu;
      issues.push({
        path: `tasks.${name}.${key}`,
        message: `${describeFargateMemory(task.cpu)}, got ${got}`,
      });
    }
  }
  for (const [name, pipeline] of Object.entries(config.pipelines)) {
    needTask(`pipelines.${name}.task`, pipeline.task);
    if (
      pipeline.minSize !== undefined &&
      pipeline.maxSize !== undefined &&
      pipeline.minSize > pipeline.maxSize
    ) {
      issues.push({
        path: `pipelines.${name}.maxSize`,
        message: `expected at least minSize (${pipeline.minSize}), got ${pipeline.maxSize}`,
      });
    }
    for (const key of Object.keys(pipeline.env)) {
      if (key.startsWith('S3_')) {
        issues.push({
          path: `pipelines.${name}.env.${key}`,
          message: 'names starting with S3_ are reserved',
        });
      }
    }
    checkBackoff(issues, `pipelines.${name}.retry.backoff`, pipeline.retry.backoff);
    checkSpotArchitecture(`pipelines.${name}.capacity`, pipeline.capacity, pipeline.task);
  }
  const workerOfTask = new Map<string, string>();
  for (const [name, worker] of Object.entries(config.workers)) {
    needTask(`workers.${name}.task`, worker.task);
    // The task definition carries the worker's queue URL, so a task serves one worker.
    const other = workerOfTask.get(worker.task);
    if (other)
      issues.push({
        path: `workers.${name}.task`,
        message: `task ${JSON.stringify(worker.task)} already serves workers.${other}`,
      });
    workerOfTask.set(worker.task, name);
    if (worker.min > worker.max) {
      issues.push({
        path: `workers.${name}.min`,
        message: `expected at most max (${worker.max}), got ${worker.min}`,
      });
    }
    if (worker.messagesPerTask !== undefined && worker.latency !== undefined) {
      issues.push({ path: `workers.${name}`, message: 'set messagesPerTask or latency, not both' });
    }
  }
  // Each worker queue gets a dead-letter queue named after it: no queue may be another's.
  const deadLetterOf = new Map(
    Object.entries(config.workers).map(([name, w]) => [deadLetterQueueName(w.queue), name]),
  );
  for (const [name, worker] of Object.entries(config.workers)) {
    const owner = deadLetterOf.get(worker.queue);
    if (owner !== undefined) {
      issues.push({
        path: `workers.${name}.queue`,
        message: `${JSON.stringify(worker.queue)} is the dead-letter queue of workers.${owner}`,
      });
    }
  }
  for (const [name, schedule] of Object.entries(config.schedules)) {
    needTask(`schedules.${name}.task`, schedule.task);
    for (const [key, check] of [
      ['expression', () => parseScheduleExpression(schedule.expression)],
      ['timezone', () => checkTimezone(schedule.timezone)],
    ] as const) {
      try {
        check();
      } catch (error) {
        if (!(error instanceof ScheduleExpressionError)) throw error;
        issues.push({ path: `schedules.${name}.${key}`, message: error.message });
      }
    }
    checkBackoff(issues, `schedules.${name}.retry.backoff`, schedule.retry.backoff);
    checkSpotArchitecture(`schedules.${name}.capacity`, schedule.capacity, schedule.task);
    if (config.pipelines[name]) {
      // Job ids start with their source's name, so a pipeline and a schedule cannot share one.
      issues.push({ path: `schedules.${name}`, message: `the name is already used by pipelines.${name}` });
    }
  }
  issues.push(...secretIssues(config));
  for (const section of ['tasks', 'pipelines', 'workers', 'schedules'] as const) {
    checkResourceIds(issues, section, Object.keys(config[section]));
  }
  issues.push(
    ...unknownNotifiedSources(config.notifications, [
      ...Object.keys(config.pipelines),
      ...Object.keys(config.schedules),
    ]),
  );
  return issues;
}

/** Infra names resources by `resourceId(name)`; two names of one section must not share one. */
function checkResourceIds(issues: ConfigIssue[], section: string, names: string[]) {
  const byId = new Map<string, string>();
  for (const name of names) {
    const id = resourceId(name);
    const other = byId.get(id);
    if (other !== undefined) {
      issues.push({
        path: `${section}.${name}`,
        message: `names the same AWS resources as ${section}.${other} (both become ${id}); rename one`,
      });
    } else byId.set(id, name);
  }
}

function checkBackoff(
  issues: ConfigIssue[],
  path: string,
  backoff: { initialSeconds: number; maxSeconds: number },
) {
  if (backoff.maxSeconds < backoff.initialSeconds) {
    issues.push({
      path: `${path}.maxSeconds`,
      message: `expected at least initialSeconds (${backoff.initialSeconds}), got ${backoff.maxSeconds}`,
    });
  }
}
