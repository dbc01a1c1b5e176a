import { NotificationsSchema } from './notifications';
import {
  ConfigSchema,
  PipelineSchema,
  RetryRuleSchema,
  RetrySchema,
  ScheduleSchema,
  TaskSchema,
  WorkerSchema,
} from './schema';

/**
 * The keys each section of the config accepts, read from the schema itself: the README's config
 * reference is checked against these, so a key added to the schema and not documented fails a test.
 */
export function configKeys(): Record<string, string[]> {
  const keys = (schema: { entries: object }) => Object.keys(schema.entries);
  const notifications = NotificationsSchema.pipe[0];
  return {
    config: keys(ConfigSchema),
    tasks: keys(TaskSchema),
    pipelines: keys(PipelineSchema),
    workers: keys(WorkerSchema),
    schedules: keys(ScheduleSchema),
    retry: [...keys(RetrySchema), ...keys(RetryRuleSchema.pipe[0])],
    notifications: keys(notifications),
  };
}
