/*
 * A start made of named steps, so a progress display can say which step is running, how long each
 * took and which one failed, and so what a step started is undone when a later one fails.
 */

/** How one start step ended: its name, how long it took, and whether it failed. */
export interface StartStep {
  name: string;
  ms: number;
  failed: boolean;
}

/** Undoes what a step started. */
export type Cleanup = () => void | Promise<void>;

/** Registers a step's cleanup, to run when the whole start is stopped or a later step fails. */
export type OnStop = (cleanup: Cleanup) => void;

/**
 * Runs steps one at a time, timing and reporting each. Every step registers its own cleanup;
 * `stop()` runs them newest first, once.
 */
export class StartSteps {
  readonly #cleanups: Cleanup[] = [];
  readonly #report: (step: StartStep) => void;
  #stopping: Promise<void> | undefined;

  constructor(report: (step: StartStep) => void = () => {}) {
    this.#report = report;
  }

  /** Registers a cleanup outside any step, for setup too quick and too certain to be worth reporting. */
  readonly onStop: OnStop = (cleanup) => {
    this.#cleanups.push(cleanup);
  };

  /** Runs one named step. Its error is rethrown as it is: the report names the step that failed. */
  async run<T>(name: string, start: (onStop: OnStop) => T | Promise<T>): Promise<T> {
    const started = performance.now();
    const report = (failed: boolean) =>
      this.#report({ name, ms: Math.round(performance.now() - started), failed });
    let value: T;
    try {
      value = await start(this.onStop);
    } catch (error) {
      report(true);
      throw error;
    }
    report(false);
    return value;
  }

  /** Undoes every step, newest first; later calls wait for the same stop. */
  stop(): Promise<void> {
    this.#stopping ??= runCleanup(this.#cleanups);
    return this.#stopping;
  }
}

/**
 * Runs cleanups newest first. One failing does not keep the others from running (leaving a process
 * behind is worse than a noisy shutdown); the failures are thrown together at the end.
 */
async function runCleanup(cleanups: Cleanup[]): Promise<void> {
  const failures: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    const what = failures.map((f) => (f instanceof Error ? f.message : String(f))).join('; ');
    throw new AggregateError(failures, `stopping the local runtime: ${what}`);
  }
}
