import { parseConfig } from '@stevedore/core/config';
import { ConfigError } from '@stevedore/core/errors';

/* Config inputs for config tests: one valid config with one of each section, and ways to break it. */

export const TASK = { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/resize:1', cpu: 256, memory: 512 };
export const PIPELINE = { bucket: 'media-uploads', task: 'resize' };
export const WORKER = { queue: 'outgoing-mail', task: 'resize', max: 4 };
export const SCHEDULE = { expression: 'cron(0 3 * * ? *)', task: 'resize' };

export type Parts = Partial<
  Record<'task' | 'pipeline' | 'worker' | 'schedule' | 'top', Record<string, unknown>>
>;

/** A valid config with one of each section, each overridden by `parts`. */
export function configWith(parts: Parts = {}): Record<string, unknown> {
  return {
    tasks: { resize: { ...TASK, ...parts.task } },
    pipelines: { thumbnails: { ...PIPELINE, ...parts.pipeline } },
    workers: { mailer: { ...WORKER, ...parts.worker } },
    schedules: { nightly: { ...SCHEDULE, ...parts.schedule } },
    ...parts.top,
  };
}

export function without(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _removed, ...rest } = object;
  return rest;
}

/** The ConfigError parseConfig throws; fails the test when it does not throw one. */
export function configErrorOf(input: unknown): ConfigError {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected parseConfig to throw a ConfigError');
}
