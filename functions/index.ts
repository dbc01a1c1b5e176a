import type { HandlerFactory } from '@stevedore/control';
import type { HandlerName } from '@stevedore/core/events';
import { jobEvents } from './job-events';
import { objectCreated } from './object-created';
import { queueAlarm } from './queue-alarm';
import { scaleTick } from './scale-tick';
import { scheduleFired } from './schedule-fired';
import { sweeper } from './sweeper';
import { taskStateChange } from './task-state-change';

/** Every handler by name, for the local runtime, which builds them with its own dependencies. */
export const HANDLERS: Record<HandlerName, HandlerFactory> = {
  'object-created': objectCreated,
  'task-state-change': taskStateChange,
  sweeper: (deps, context) => sweeper(deps, {}, context),
  'queue-alarm': queueAlarm,
  'scale-tick': (deps) => scaleTick(deps),
  'schedule-fired': scheduleFired,
  'job-events': jobEvents,
};

export { sweeper } from './sweeper';
