import { setTimeout as sleep } from 'node:timers/promises';
import { type Handler, type HandlerDeps, watchWorkers } from '@stevedore/control';
import { deployed } from './lib/lambda/deployed';
import { workerAdapters } from './lib/lambda/worker-adapters';

export interface TickOptions {
  /** Observations per invocation. EventBridge rates stop at one minute, so on AWS one invocation observes several times. */
  observations: number;
  intervalMs: number;
  /** A worker is observed in full at least every this many observations; in between only when its queue moved (default 1: always). */
  fullEvery?: number;
}

/**
 * Periodic: every worker observed and scaled. Alarms fire only on transitions and an idle queue's
 * CloudWatch metrics lag up to 15 minutes, so this reads the queue directly.
 */
export function scaleTick(deps: HandlerDeps, options: TickOptions = tickOptionsFromEnv()): Handler {
  return async () => {
    await watchWorkers(deps, {
      polls: options.observations,
      intervalMs: options.intervalMs,
      fullEvery: options.fullEvery ?? 1,
      sleep: (ms) => sleep(ms),
    });
  };
}

/** STEVEDORE_TICK_OBSERVATIONS, _INTERVAL_SECONDS and _FULL_EVERY, set by infra (default: once, in full). */
function tickOptionsFromEnv(): TickOptions {
  const observations = Number(process.env.STEVEDORE_TICK_OBSERVATIONS ?? '1');
  const interval = Number(process.env.STEVEDORE_TICK_INTERVAL_SECONDS ?? '10');
  const fullEvery = Number(process.env.STEVEDORE_TICK_FULL_EVERY ?? '1');
  return {
    observations: Number.isInteger(observations) && observations > 0 ? observations : 1,
    intervalMs: (Number.isFinite(interval) && interval > 0 ? interval : 10) * 1000,
    fullEvery: Number.isInteger(fullEvery) && fullEvery > 0 ? fullEvery : 1,
  };
}

export const handler = deployed((deps) => scaleTick(deps), workerAdapters);
