import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventPattern } from '@stevedore/core/events';
import { matchesPattern } from './event-pattern';

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
  private readonly options: Required<Omit<EventBusOptions, 'onFailure'>> & Pick<EventBusOptions, 'onFailure'>;
  private readonly pending = new Set<Promise<void>>();
  /** Pending delays, so close() can cut them short. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;
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

  /** Publishes an event: every target whose pattern matches gets it, at least once. */
  put(event: unknown): void {
    if (this.closed) return;
    this.stats.published += 1;
    const { faults, random } = this.options;
    for (const target of this.options.targets) {
      if (!matchesPattern(target.pattern, event)) continue;
      const copies = random() < faults.duplicate ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) {
        const held = random() < faults.reorder || copy > 0;
        const delay = held ? REORDER_DELAY_MS[0] + random() * (REORDER_DELAY_MS[1] - REORDER_DELAY_MS[0]) : 0;
        this.track(this.later(delay).then(() => this.deliver(target, event)));
      }
    }
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

  /** Resolves when every delivery so far has finished (succeeded or dead-lettered). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Stops accepting events, abandons pending retries and queued deliveries, and waits up to `graceMs`
   * for the handlers already running.
   */
  async close(graceMs = 5000): Promise<void> {
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

  private async deliver(target: BusTarget, event: unknown): Promise<void> {
    const { attempts, retryDelayMs, random } = this.options;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.closed) return;
      try {
        const ran = await this.withSlot(() => target.handler(event));
        if (!ran) return; // closed while waiting for a slot
        this.stats.delivered += 1;
        return;
      } catch (error) {
        const final = attempt === attempts;
        this.options.onFailure?.({ target: target.name, attempt, error, final });
        if (final) {
          this.deadLetter(target, event, error, attempt);
          return;
        }
        this.stats.retried += 1;
        await this.later(retryDelayMs * 2 ** (attempt - 1) * (0.5 + random()));
      }
    }
  }

  private deadLetter(target: BusTarget, event: unknown, error: unknown, attempts: number): void {
    this.stats.deadLettered += 1;
    const record = {
      time: new Date().toISOString(),
      target: target.name,
      attempts,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      event,
    };
    appendFileSync(this.options.deadLetterFile, `${JSON.stringify(record)}\n`);
  }

  /** Runs `work` when fewer than `concurrency` handlers run; false when the bus closed first. */
  private async withSlot(work: () => Promise<void>): Promise<boolean> {
    while (this.running >= this.options.concurrency) {
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

  private track(delivery: Promise<void>): void {
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }
}
