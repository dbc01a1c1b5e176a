/*
 * When to stop. ECS stops a task (scale-in, deployment, StopTask) by sending SIGTERM to each
 * container and SIGKILL after the container's stopTimeout (30 s by default, 120 s at most on
 * Fargate), so the worker has that long to finish the messages it holds. Node's default reaction to
 * SIGTERM is to exit at once; listening for it replaces that with a graceful stop.
 */

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export class Shutdown {
  private readonly controller = new AbortController();
  private readonly cleanups: Array<() => void> = [];

  constructor(external: AbortSignal | undefined, handleSignals: boolean, onStop: (reason: string) => void) {
    this.controller.signal.addEventListener('abort', () => onStop(String(this.controller.signal.reason)), {
      once: true,
    });
    if (external) {
      const abort = () => this.stop('signal option aborted');
      if (external.aborted) abort();
      external.addEventListener('abort', abort, { once: true });
      this.cleanups.push(() => external.removeEventListener('abort', abort));
    }
    if (handleSignals) {
      for (const name of STOP_SIGNALS) {
        const listener = () => this.stop(name);
        process.on(name, listener);
        this.cleanups.push(() => process.off(name, listener));
      }
    }
  }

  /** Aborted once the worker should stop receiving. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  stop(reason: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Waits `ms`, or less if the stop comes first. */
  sleep(ms: number): Promise<void> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Removes the signal listeners: after this, SIGTERM kills the process again. */
  dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
