import { TaskProtectionError } from './errors';
import type { TaskProtection } from './task-protection';
import type { Reporter } from './worker-events';

/*
 * Holds the task's scale-in protection while messages are in hand, and only then. Requests go one at
 * a time through a chain, so a renewal can never land after the release that should have ended it.
 * A protection call that fails is reported and the work goes on: an unprotected task that is scaled
 * in still gets SIGTERM, and the worker then finishes what it holds (graceful shutdown).
 */

/** How soon to try again after a renewal failed, at most. */
const RENEWAL_RETRY_MS = 30_000;

export class ProtectionGuard {
  /** What we last asked the agent for; true also when a release failed and must be retried. */
  private held = false;
  /** Set when ECS says the task cannot be protected (not part of a service): stop asking. */
  private unsupported = false;
  private renewal: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly renewMs: number;

  constructor(
    private readonly protection: TaskProtection,
    private readonly minutes: number,
    private readonly report: Reporter,
  ) {
    this.renewMs = (minutes * 60_000) / 2;
  }

  /** Protects the task unless it already is. */
  hold(): Promise<void> {
    return this.serially(() => (this.held ? Promise.resolve() : this.enable(false)));
  }

  /** Drops the protection if it is held. */
  release(): Promise<void> {
    this.cancelRenewal();
    return this.serially(() => this.disable());
  }

  /** Stops the renewal timer (the worker is done). */
  close(): void {
    this.cancelRenewal();
  }

  private serially(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step);
    return this.chain;
  }

  private async enable(renewal: boolean): Promise<void> {
    if (!this.protection.available || this.unsupported) return;
    try {
      const state = await this.protection.enable(this.minutes);
      this.held = true;
      this.scheduleRenewal(this.renewMs);
      this.report({ type: 'protected', renewal, expiresAt: state?.expiresAt });
    } catch (error) {
      const failure =
        error instanceof TaskProtectionError
          ? error
          : new TaskProtectionError('enable', 'Unexpected', String(error), { cause: error });
      if (failure.code === 'TASK_NOT_VALID') this.unsupported = true;
      else if (renewal) this.scheduleRenewal(Math.min(RENEWAL_RETRY_MS, this.renewMs));
      this.report({ type: 'error', error: failure });
    }
  }

  private async disable(): Promise<void> {
    if (!this.held) return;
    try {
      await this.protection.disable();
      this.held = false;
      this.cancelRenewal();
      this.report({ type: 'unprotected' });
    } catch (error) {
      const failure =
        error instanceof TaskProtectionError
          ? error
          : new TaskProtectionError('disable', 'Unexpected', String(error), { cause: error });
      this.report({ type: 'error', error: failure });
    }
  }

  private scheduleRenewal(ms: number): void {
    this.cancelRenewal();
    this.renewal = setTimeout(() => {
      this.renewal = undefined;
      void this.serially(() => (this.held ? this.enable(true) : Promise.resolve()));
    }, ms);
    // A pending renewal alone must not keep a finished worker's process alive.
    this.renewal.unref();
  }

  private cancelRenewal(): void {
    clearTimeout(this.renewal);
    this.renewal = undefined;
  }
}
