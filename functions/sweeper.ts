import { type Handler, type HandlerDeps, type SweepOptions, sweep } from '@stevedore/control';
import { deployed } from './lib/lambda/deployed';

/** Periodic (an EventBridge schedule): timeouts, due retries, waiting jobs, reconciliation with ECS, missed runs. */
export function sweeper(deps: HandlerDeps, options: SweepOptions = {}): Handler {
  return async () => {
    await sweep(deps, options);
  };
}

export const handler = deployed((deps) => sweeper(deps));
