import type { HandlerDeps } from '../deps';

/*
 * A lease held while periodic work runs (the sweep): taken for a short time and renewed while its
 * holder lives, so a holder that dies (a crash, a Lambda timeout, an out-of-memory) frees it within
 * one lease time, and given back as soon as the work ends or is stopped.
 */

export interface LeaseTiming {
  /** How long the lease lasts unless renewed: how long a dead holder keeps everyone else out. */
  ttlMs: number;
  /** How often a live holder renews it; several renewals fit in one lease time. */
  renewEveryMs: number;
}

export interface HeldLease {
  /** True once a renewal found someone else holding the lease (this holder was paused past its time). */
  readonly lost: boolean;
  /** Stops renewing and gives the lease back, after any renewal under way (which would take it again). */
  release(): Promise<void>;
}

/** Takes the named lease and renews it until released; undefined when someone else holds it. */
export async function holdLease(
  deps: Pick<HandlerDeps, 'slots' | 'clock' | 'logger'>,
  name: string,
  timing: LeaseTiming,
): Promise<HeldLease | undefined> {
  const holder = `${deps.clock.now().getTime()}-${Math.random().toString(36).slice(2)}`;
  const until = () => new Date(deps.clock.now().getTime() + timing.ttlMs);
  if (!(await deps.slots.acquireLease(name, holder, until()))) return undefined;

  let lost = false;
  let released = false;
  let renewing: Promise<void> | undefined;
  const renew = async () => {
    try {
      if (!(await deps.slots.acquireLease(name, holder, until()))) lost = true;
    } catch (error) {
      // The next renewal tries again; the lease lasts several renewals.
      deps.logger.warn('lease renewal failed', {
        lease: name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  const timer = setInterval(() => {
    if (released || lost || renewing) return;
    renewing = renew().finally(() => {
      renewing = undefined;
    });
  }, timing.renewEveryMs);
  // A renewal timer alone must not keep a process alive.
  timer.unref();

  return {
    get lost() {
      return lost;
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await renewing;
      await deps.slots.releaseLease(name, holder);
    },
  };
}
