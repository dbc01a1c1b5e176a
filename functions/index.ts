import type { HandlerFactory, HandlerName } from '@stevedore/core';
import { objectCreated } from './object-created';
import { queueAlarm } from './queue-alarm';
import { scaleTick } from './scale-tick';
import { sweeper } from './sweeper';
import { taskStateChange } from './task-state-change';

/** Every handler by name, for the local runtime, which builds them with its own dependencies. */
export const HANDLERS: Record<HandlerName, HandlerFactory> = {
  'object-created': objectCreated,
  'task-state-change': taskStateChange,
  sweeper,
  'queue-alarm': queueAlarm,
  'scale-tick': (deps) => scaleTick(deps),
};

export { jsonLogger } from './lib/json-logger';
export { scaleWorker, type Worker, workersOf } from './lib/scaling';
export { type SweepReport, sweep } from './lib/sweep';
export { scaleTick, type TickOptions } from './scale-tick';
