/*
 * Every timer the local endpoint starts goes through one TimerSet, so close() can clear them all
 * and wake every lifecycle that is waiting, instead of leaving them to fire after shutdown.
 */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<(awake: boolean) => void>();
  private isClosed = false;
  private resolveClosed: () => void = () => {};
  /** Resolves when close() is called. */
  readonly closed: Promise<void> = new Promise((resolve) => {
    this.resolveClosed = resolve;
  });

  get isClosing(): boolean {
    return this.isClosed;
  }

  /** Runs `fn` after `ms` unless closed first; `unref` timers do not keep the process alive. */
  after(ms: number, fn: () => void, options: { unref?: boolean } = {}): NodeJS.Timeout | undefined {
    if (this.isClosed) return undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    if (options.unref) timer.unref();
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Resolves true after `ms`, or false at once when the set is (or gets) closed. */
  sleep(ms: number): Promise<boolean> {
    if (this.isClosed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (awake: boolean) => {
        this.sleepers.delete(wake);
        resolve(awake);
      };
      this.sleepers.add(wake);
      this.after(ms, () => wake(true));
    });
  }

  /** Clears every timer and wakes every sleeper with false. */
  close(): void {
    this.isClosed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake(false);
    this.resolveClosed();
  }
}
