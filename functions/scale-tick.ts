import { setTimeout as sleep } from 'node:timers/promises';
import { type Handler, type HandlerDeps, scaleAll } from '@stevedore/control';
import { deployed } from './lib/lambda/deployed';
import { workerAdapters } from './lib/lambda/worker-adapters';

export interface TickOptions {
  /** Observations per invocation. EventBridge rates stop at one minute, so on AWS one invocation observes several times. */
  observations: number;
  intervalMs: number;
}

/**
 * Periodic: every worker observed and scaled. Alarms fire only on transitions and an idle queue's
 * CloudWatch metrics lag up to 15 minutes, so this reads the queue directly.
 */
export function scaleTick(deps: HandlerDeps, options: TickOptions = tickOptionsFromEnv()): Handler {
  return async () => {
    for (let i = 0; i < options.observations; i++) {
      if (i > 0) await sleep(options.intervalMs);
      await scaleAll(deps, 'tick');
    }
  };
}

/** STEVEDORE_TICK_OBSERVATIONS and STEVEDORE_TICK_INTERVAL_SECONDS, set by infra (default: once). */
function tickOptionsFromEnv(): TickOptions {
  const observations = Number(process.env.STEVEDORE_TICK_OBSERVATIONS ?? '1');
  const interval = Number(process.env.STEVEDORE_TICK_INTERVAL_SECONDS ?? '10');
  return {
    observations: Number.isInteger(observations) && observations > 0 ? observations : 1,
    intervalMs: (Number.isFinite(interval) && interval > 0 ? interval : 10) * 1000,
  };
}

export const handler = deployed((deps) => scaleTick(deps), workerAdapters);
