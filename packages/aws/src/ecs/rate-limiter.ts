import { setTimeout as sleep } from 'node:timers/promises';

export interface Rate {
  /** Tokens added per second. */
  perSecond: number;
  /** Most tokens held at once. */
  burst: number;
}

/**
 * A token bucket that makes callers wait their turn (first come, first served) instead of failing.
 * The launcher paces RunTask with it at ECS's own quota, so a burst of launches runs at the limit
 * rather than into ThrottlingException and retry backoff.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = rate.burst;
    this.last = now();
  }

  /** Resolves when a token is taken. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.wait());
    this.queue = turn.catch(() => {});
    return turn;
  }

  /**
   * The server refused for lack of tokens although this bucket had one: the model was wrong (other
   * callers share the server's bucket, or requests bunched up on the way). Empties it, so the takers
   * after this one wait for the refill too, and returns the milliseconds until it has a token again.
   */
  drain(): number {
    this.tokens = 0;
    this.last = this.now();
    return Math.ceil(1000 / this.rate.perSecond);
  }

  private async wait(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.last) / 1000) * this.rate.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1000));
    }
  }
}
