import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { JOB_EVENT_DETAIL_TYPE, JOB_EVENT_SOURCE, type JobStateChange } from '@stevedore/core/job';
import type { JobEventPublisher } from '@stevedore/core/ports';
import { JobEventsError } from '../errors';

/** PutEvents takes at most ten entries a call. */
export const PUT_EVENTS_BATCH = 10;

export interface EventBridgeJobEventsOptions {
  /** The bus rules listen on: `default` unless the stage says otherwise. */
  eventBus: string;
  client?: EventBridgeClient;
  /** Calls per batch for entries EventBridge refused (throttled, internal failure), the first included. */
  attempts?: number;
  /** Wait before the first retry; doubles each time. */
  retryDelayMs?: number;
}

/** PutEvents' entries for job events: one per event, its time the transition's. */
export function putEventsEntries(
  events: readonly JobStateChange[],
  eventBus: string,
): PutEventsRequestEntry[] {
  return events.map((detail) => ({
    EventBusName: eventBus,
    Source: JOB_EVENT_SOURCE,
    DetailType: JOB_EVENT_DETAIL_TYPE,
    Time: new Date(detail.at),
    Resources: [],
    Detail: JSON.stringify(detail),
  }));
}

/**
 * Job events to EventBridge. PutEvents can succeed as a call and still refuse some entries
 * (FailedEntryCount): those are sent again, and if some are still refused the publish throws, so the
 * caller's stream batch is retried (the accepted ones go again: at least once, never lost silently).
 */
export class EventBridgeJobEvents implements JobEventPublisher {
  private readonly client: EventBridgeClient;
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: EventBridgeJobEventsOptions) {
    this.client = options.client ?? new EventBridgeClient({});
    this.attempts = options.attempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 100;
  }

  async publish(events: readonly JobStateChange[]): Promise<void> {
    for (let start = 0; start < events.length; start += PUT_EVENTS_BATCH) {
      await this.putBatch(
        putEventsEntries(events.slice(start, start + PUT_EVENTS_BATCH), this.options.eventBus),
      );
    }
  }

  private async putBatch(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    let refused: PutEventsResultEntry[] = [];
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await sleep(this.retryDelayMs * 2 ** (attempt - 2));
      const result = await this.client
        .send(new PutEventsCommand({ Entries: pending }))
        .catch((error: unknown) => {
          throw new JobEventsError(`PutEvents to ${this.options.eventBus} failed: ${String(error)}`, {
            cause: error,
          });
        });
      const results = result.Entries ?? [];
      if (!result.FailedEntryCount) return;
      refused = results.filter((entry) => entry.ErrorCode);
      pending = pending.filter((_, index) => results[index]?.ErrorCode);
    }
    const codes = [...new Set(refused.map((entry) => `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`))];
    throw new JobEventsError(
      `EventBridge refused ${pending.length} job event(s) on ${this.options.eventBus} after ${this.attempts} calls (${codes.join('; ')})`,
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
