import { deployed } from './lib/deployed';
import type { Handler, HandlerDeps } from './lib/deps';
import { type SweepOptions, sweep } from './lib/sweep';

/** Periodic (an EventBridge schedule): timeouts, due retries, waiting jobs, reconciliation with ECS, missed runs. */
export function sweeper(deps: HandlerDeps, options: SweepOptions = {}): Handler {
  return async () => {
    await sweep(deps, options);
  };
}

export const handler = deployed((deps) => sweeper(deps));
