import type { DeadLetteredEvent, DeadLetterStore, HandlerInvoker } from '@stevedore/core/ports';

/*
 * Redrive: events that exhausted their deliveries (the local bus's dead-letter file, a stage's
 * dead-letter queue) delivered again to their handler, one at a time in the order they were
 * dead-lettered (task events of one task stay in order). What a handler accepts now is removed; what
 * it fails again stays, with the new error. The handlers are idempotent (derived job ids, guarded
 * ledger writes), so delivering an event that had partly succeeded repeats nothing.
 */

export interface RedriveOptions {
  /** Only these dead letters (by id); all of them when absent. */
  ids?: readonly string[];
  /** After each delivery. */
  onDelivered?: (result: RedriveResult) => void;
}

export interface RedriveResult {
  id: string;
  handler: string | undefined;
  delivered: boolean;
  /** Why it failed again (or why it could not be delivered: no handler known). */
  error?: string;
}

export interface RedriveReport {
  results: RedriveResult[];
  delivered: number;
  failed: number;
}

/** A redrive asked for a dead letter that is not there. */
export class UnknownDeadLetterError extends Error {
  override name = 'UnknownDeadLetterError';
  readonly ids: readonly string[];

  constructor(ids: readonly string[], known: readonly string[]) {
    super(
      `no dead letter ${ids.join(', ')} (dead letters: ${known.length > 0 ? known.join(', ') : 'none'}; see stevedore dead-letters list)`,
    );
    this.ids = ids;
  }
}

/** The events that exhausted their deliveries, oldest first. */
export function listDeadLetters(store: DeadLetterStore, limit?: number): Promise<DeadLetteredEvent[]> {
  return store.list(limit === undefined ? {} : { limit });
}

/** Delivers dead letters again; removes those delivered and keeps the others with their new error. */
export async function redrive(
  store: DeadLetterStore,
  invoker: HandlerInvoker,
  options: RedriveOptions = {},
): Promise<RedriveReport> {
  const letters = await store.list({ forRedrive: true });
  let chosen = letters;
  if (options.ids) {
    const wanted = new Set(options.ids);
    chosen = letters.filter((letter) => wanted.has(letter.id));
    const found = new Set(chosen.map((letter) => letter.id));
    const missing = options.ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      // Nothing was delivered: give back what was held, unchanged.
      await store.settle({ delivered: [], failed: [] });
      throw new UnknownDeadLetterError(
        missing,
        letters.map((letter) => letter.id),
      );
    }
  }
  const results: RedriveResult[] = [];
  for (const letter of chosen) {
    const result = await deliver(invoker, letter);
    results.push(result);
    options.onDelivered?.(result);
  }
  await store.settle({
    delivered: results.filter((r) => r.delivered).map((r) => r.id),
    failed: results.flatMap((r) => (r.delivered ? [] : [{ id: r.id, error: r.error ?? 'failed' }])),
  });
  const delivered = results.filter((r) => r.delivered).length;
  return { results, delivered, failed: results.length - delivered };
}

async function deliver(invoker: HandlerInvoker, letter: DeadLetteredEvent): Promise<RedriveResult> {
  const base = { id: letter.id, handler: letter.handler };
  if (!letter.handler) {
    return { ...base, delivered: false, error: `no handler known for target ${letter.target}` };
  }
  try {
    await invoker.invoke(letter.handler, letter.event);
    return { ...base, delivered: true };
  } catch (error) {
    return {
      ...base,
      delivered: false,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}

/**
 * The handler an event is for, from the event itself: what a dead-letter queue that does not name
 * its target (Lambda's asynchronous on-failure queue) still tells.
 */
export function handlerForEvent(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as Record<string, unknown>;
  if (typeof e.schedule === 'string' && typeof e.scheduledTime === 'string') return 'schedule-fired';
  switch (e.source) {
    case 'aws.s3':
      return 'object-created';
    case 'aws.ecs':
      return 'task-state-change';
    case 'aws.cloudwatch':
      return 'queue-alarm';
    case 'aws.events': {
      const rule = Array.isArray(e.resources) ? String(e.resources[0] ?? '') : '';
      if (rule.endsWith('scale-tick')) return 'scale-tick';
      if (rule.endsWith('sweeper')) return 'sweeper';
      return undefined;
    }
    default:
      return undefined;
  }
}
