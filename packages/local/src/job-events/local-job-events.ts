import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type JobEventEnvelope, type JobStateChange, jobEventEnvelope } from '@stevedore/core/job';
import type { JobEventPublisher } from '@stevedore/core/ports';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../local-account';

/** In the state dir: every job event `stevedore dev` published, one EventBridge envelope per line. */
export const JOB_EVENTS_FILE = 'events.jsonl';

export interface LocalJobEventsOptions {
  /** events.jsonl: appended before the event counts as published. */
  file: string;
  /** The local bus, so rules on job events match them as EventBridge's would. */
  publish: (event: JobEventEnvelope) => void;
  /** One line per event, for the terminal running `stevedore dev`. */
  print: (line: string) => void;
}

/**
 * The local EventBridge for job events: each event, in EventBridge's envelope, is appended to
 * events.jsonl (synchronously, so an event the stream position moved past is on disk), put on the
 * local bus, and printed.
 */
export class LocalJobEvents implements JobEventPublisher {
  constructor(private readonly options: LocalJobEventsOptions) {
    mkdirSync(dirname(options.file), { recursive: true });
  }

  async publish(events: readonly JobStateChange[]): Promise<void> {
    const envelopes = events.map((detail) =>
      jobEventEnvelope(detail, { id: randomUUID(), account: LOCAL_ACCOUNT, region: LOCAL_REGION }),
    );
    if (envelopes.length === 0) return;
    appendFileSync(this.options.file, envelopes.map((e) => `${JSON.stringify(e)}\n`).join(''));
    for (const envelope of envelopes) {
      this.options.publish(envelope);
      this.options.print(eventLine(envelope.detail));
    }
  }
}

/** `job <id> <pipeline>: RUNNING -> FAILED (attempt 2/2, exit 3) reason`. */
export function eventLine(detail: JobStateChange): string {
  const source = detail.pipeline ?? detail.schedule ?? detail.kind;
  const facts = [
    `attempt ${detail.attempt}/${detail.maxAttempts}`,
    ...(detail.exitCode !== undefined ? [`exit ${detail.exitCode}`] : []),
    ...(detail.change === 'retry-scheduled' ? ['retry scheduled'] : []),
  ];
  const reason =
    detail.reason && detail.state !== 'RUNNING' && detail.state !== 'STARTING' ? ` ${detail.reason}` : '';
  return `job ${detail.jobId} ${source}: ${detail.previousState ?? 'new'} -> ${detail.state} (${facts.join(', ')})${reason}`;
}
