import type { HandlerFactory, HandlerName } from '@stevedore/core';
import { objectCreated } from './object-created';
import { sweeper } from './sweeper';
import { taskStateChange } from './task-state-change';

/** Every handler by name, for the local runtime, which builds them with its own dependencies. */
export const HANDLERS: Record<HandlerName, HandlerFactory> = {
  'object-created': objectCreated,
  'task-state-change': taskStateChange,
  sweeper,
};

export { jsonLogger } from './lib/json-logger';
export { type SweepReport, sweep } from './lib/sweep';
