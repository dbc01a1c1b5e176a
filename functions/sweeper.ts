import { deployed } from './lib/deployed';
import type { Handler, HandlerDeps } from './lib/deps';
import { sweep } from './lib/sweep';

/** Periodic (an EventBridge schedule): timeouts, due retries, waiting jobs, reconciliation with ECS. */
export function sweeper(deps: HandlerDeps): Handler {
  return async () => {
    await sweep(deps);
  };
}

export const handler = deployed(sweeper);
