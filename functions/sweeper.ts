import {
  type Handler,
  type HandlerContext,
  type HandlerDeps,
  type SweepOptions,
  sweep,
} from '@stevedore/control';
import { deployed } from './lib/lambda/deployed';

/** Periodic (an EventBridge schedule): timeouts, due retries, waiting jobs, reconciliation with ECS, missed runs. */
export function sweeper(
  deps: HandlerDeps,
  options: SweepOptions = {},
  context: HandlerContext = {},
): Handler {
  const signal = options.signal ?? context.signal;
  return async () => {
    await sweep(deps, { ...options, ...(signal ? { signal } : {}) });
  };
}

export const handler = deployed((deps) => sweeper(deps));
