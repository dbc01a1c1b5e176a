import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventPattern } from '@stevedore/core/events';
import { StateDirWriteError } from '../errors';
import { matchesPattern, mayMatchPattern } from './event-pattern';

/*
 * The local stand-in for EventBridge + Lambda's asynchronous invocation: events are matched against
 * the same patterns infra deploys and handed to the same handler functions, at least once. A handler
 * that throws is retried with backoff, like Lambda's async retries; an event that exhausts them is
 * appended to a dead-letter file. Faults make delivery as untidy as AWS allows: duplicates and
 * out-of-order arrival.
 */

export interface BusTarget {
  /** The handler's name, for logs and the dead-letter file. */
  name: string;
  pattern: EventPattern;
  handler: (event: unknown) => Promise<void>;
}

export interface DeliveryFaults {
  /** Probability that an event is delivered twice. */
  duplicate: number;
  /** Probability that an event is held back so later events overtake it. */
  reorder: number;
}

export interface EventBusOptions {
  targets: readonly BusTarget[];
  /** JSON lines of events that exhausted their retries. */
  deadLetterFile: string;
  /** Invocations per event and target, the first included (Lambda async: 3). */
  attempts?: number;
  /** First retry delay; doubles each time, with jitter. */
  retryDelayMs?: number;
  faults?: DeliveryFaults;
  random?: () => number;
  /** Most handler invocations running at once. */
  concurrency?: number;
  onFailure?: (failure: { target: string; attempt: number; error: unknown; final: boolean }) => void;
  /** The dead-letter file could not be written (a full disk): the event was not marked done. */
  onDeadLetterWriteFailed?: (error: StateDirWriteError) => void;
}

export interface BusStats {
  published: number;
  delivered: number;
  retried: number;
  deadLettered: number;
}

const NO_FAULTS: DeliveryFaults = { duplicate: 0, reorder: 0 };
const REORDER_DELAY_MS = [50, 400] as const;

export class EventBus {
  private readonly options: Required<Omit<EventBusOptions, 'onFailure' | 'onDeadLetterWriteFailed'>> &
    Pick<EventBusOptions, 'onFailure' | 'onDeadLetterWriteFailed'>;
  private readonly pending = new Set<Promise<void>>();
  /** Pending delays, so close() can cut them short. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  private paused = false;
  readonly stats: BusStats = { published: 0, delivered: 0, retried: 0, deadLettered: 0 };

  constructor(options: EventBusOptions) {
    this.options = {
      attempts: 3,
      retryDelayMs: 200,
      faults: NO_FAULTS,
      random: Math.random,
      concurrency: 64,
      ...options,
    };
    mkdirSync(dirname(options.deadLetterFile), { recursive: true });
  }

  /**
   * Publishes an event: every target whose pattern matches gets it, at least once. Resolves true once
   * every matching target has handled it or it was dead-lettered; false when it was not (the bus
   * closed first, or the dead letter could not be written), so a journaled event stays pending.
   */
  put(event: unknown): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.stats.published += 1;
    const { faults, random } = this.options;
    const deliveries: Promise<boolean>[] = [];
    for (const target of this.options.targets) {
      if (!matchesPattern(target.pattern, event)) continue;
      const copies = random() < faults.duplicate ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) {
        const held = random() < faults.reorder || copy > 0;
        const delay = held ? REORDER_DELAY_MS[0] + random() * (REORDER_DELAY_MS[1] - REORDER_DELAY_MS[0]) : 0;
        deliveries.push(this.track(this.later(delay).then(() => this.deliver(target, event))));
      }
    }
    return Promise.all(deliveries).then((outcomes) => outcomes.every(Boolean));
  }

  /** True when some target's pattern matches the event: publishing it would run a handler. */
  wants(event: unknown): boolean {
    return this.options.targets.some((target) => matchesPattern(target.pattern, event));
  }

  /**
   * False when no target could want an event that agrees with `partial` (some of its fields; see
   * mayMatchPattern): such an event need not even be built.
   */
  mayWant(partial: Readonly<Record<string, unknown>>): boolean {
    return this.options.targets.some((target) => mayMatchPattern(target.pattern, partial));
  }

  /**
   * Invokes one target directly, as EventBridge Scheduler invokes its target (no rule, no pattern),
   * with the same retries and dead-letter file.
   */
  invoke(target: BusTarget, event: unknown): void {
    if (this.closed) return;
    this.stats.published += 1;
    // Scheduler delivers at least once too: the duplicate fault repeats an invocation, a little later.
    const { faults, random } = this.options;
    const copies = random() < faults.duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const delay =
        copy > 0 ? REORDER_DELAY_MS[0] + random() * (REORDER_DELAY_MS[1] - REORDER_DELAY_MS[0]) : 0;
      this.track(this.later(delay).then(() => this.deliver(target, event)));
    }
  }

  /**
   * Holds deliveries (new and retried) until resume(): while a store the handlers need is down, so
   * events wait for it instead of exhausting their retries. Handlers already running finish.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** True once close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves when every delivery so far has finished (succeeded or dead-lettered). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Stops accepting events, abandons pending retries and queued deliveries (a journaled event stays
   * pending, delivered after the next start), and waits up to `graceMs` for the handlers already
   * running, so the stores they write to are closed only after them.
   */
  async close(graceMs = 60_000): Promise<void> {
    this.closed = true;
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer);
      resolve();
    }
    this.timers.clear();
    for (const wake of this.waiting.splice(0)) wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.pending]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** True once the target handled the event or it was dead-lettered; false when abandoned. */
  private async deliver(target: BusTarget, event: unknown): Promise<boolean> {
    const { attempts, retryDelayMs, random } = this.options;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.closed) return false;
      try {
        const ran = await this.withSlot(() => target.handler(event));
        if (!ran) return false; // closed while waiting for a slot
        this.stats.delivered += 1;
        return true;
      } catch (error) {
        if (this.closed) return false; // the stores are closing under it: deliver again after a restart
        const final = attempt === attempts;
        this.options.onFailure?.({ target: target.name, attempt, error, final });
        if (final) return this.deadLetter(target, event, error, attempt);
        this.stats.retried += 1;
        await this.later(retryDelayMs * 2 ** (attempt - 1) * (0.5 + random()));
      }
    }
    return false;
  }

  /** Appends the dead letter; false when it cannot be written (a full disk), reported, never thrown. */
  private deadLetter(target: BusTarget, event: unknown, error: unknown, attempts: number): boolean {
    const record = {
      time: new Date().toISOString(),
      target: target.name,
      attempts,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      event,
    };
    try {
      appendFileSync(this.options.deadLetterFile, `${JSON.stringify(record)}\n`);
    } catch (writeError) {
      // Thrown here it would be an uncaught exception that ends the runtime. The event is not marked
      // done instead: a journaled one is delivered again after the next start.
      this.options.onDeadLetterWriteFailed?.(
        StateDirWriteError.from(writeError, this.options.deadLetterFile),
      );
      return false;
    }
    this.stats.deadLettered += 1;
    return true;
  }

  /** Runs `work` when fewer than `concurrency` handlers run; false when the bus closed first. */
  private async withSlot(work: () => Promise<void>): Promise<boolean> {
    while (this.paused || this.running >= this.options.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.closed) return false;
    }
    this.running += 1;
    try {
      await work();
      return true;
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  private later(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }

  private track<T>(delivery: Promise<T>): Promise<T> {
    const tracked = delivery.then(() => undefined);
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return delivery;
  }
}
