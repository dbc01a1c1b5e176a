import { randomUUID } from 'node:crypto';

/** What made S3 create an object, as EventBridge reports it in `detail.reason`. */
export const OBJECT_CREATED_REASONS = ['PutObject', 'CopyObject', 'CompleteMultipartUpload'] as const;
export type ObjectCreatedReason = (typeof OBJECT_CREATED_REASONS)[number];

/** One stored object and the request that stored it. */
export interface CreatedObject {
  bucket: string;
  /** The raw key, exactly as stored. */
  key: string;
  size: number;
  /** As S3 keeps it, with or without the surrounding quotes. */
  etag: string;
  sequencer: string;
  lastModified: Date;
  reason: ObjectCreatedReason;
  requestId: string;
  sourceIpAddress: string;
}

/** Where the event is said to come from. */
export interface EventOrigin {
  region: string;
  accountId: string;
}

/** The EventBridge "Object Created" event, as in the S3 User Guide (no `version-id`: buckets are unversioned). */
export type S3ObjectCreatedEvent = {
  version: '0';
  id: string;
  'detail-type': 'Object Created';
  source: 'aws.s3';
  account: string;
  time: string;
  region: string;
  resources: [string];
  detail: {
    version: '0';
    bucket: { name: string };
    object: { key: string; size: number; etag: string; sequencer: string };
    'request-id': string;
    requester: string;
    'source-ip-address': string;
    reason: ObjectCreatedReason;
  };
};

/** Builds the "Object Created" event S3 sends to EventBridge for `created`. */
export function objectCreatedEvent(
  created: CreatedObject,
  origin: EventOrigin,
  id: string = randomUUID(),
): S3ObjectCreatedEvent {
  return {
    version: '0',
    id,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: origin.accountId,
    // EventBridge times have whole seconds: 2021-11-12T00:00:00Z.
    time: `${created.lastModified.toISOString().slice(0, 19)}Z`,
    region: origin.region,
    resources: [`arn:aws:s3:::${created.bucket}`],
    detail: {
      version: '0',
      bucket: { name: created.bucket },
      object: {
        key: created.key,
        size: created.size,
        etag: created.etag.replaceAll('"', ''),
        sequencer: created.sequencer,
      },
      'request-id': created.requestId,
      requester: origin.accountId,
      'source-ip-address': created.sourceIpAddress,
      reason: created.reason,
    },
  };
}

/** A request id shaped like S3's (`N4N7GDK58NMKJ12R`): 16 upper-case characters, here hex digits. */
export function newS3RequestId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase();
}

const SEQUENCER_DIGITS = 16;
const COUNTER_BITS = 20n;

/**
 * Hands out S3 sequencers: fixed-width hex strings that only grow, so both a string and a numeric
 * comparison order them. Each is the wall clock in milliseconds shifted left by 20 bits, or the last
 * one plus one when the clock has not moved on (or went back). Seeding with the sequencers already
 * persisted keeps them growing across restarts, which consumers that drop stale events rely on.
 */
export class SequencerClock {
  private last = 0n;

  /** A sequencer greater than every one handed out or observed so far. */
  next(nowMs: number): string {
    const fromClock = BigInt(Math.floor(nowMs)) << COUNTER_BITS;
    this.last = fromClock > this.last ? fromClock : this.last + 1n;
    return this.last.toString(16).padStart(SEQUENCER_DIGITS, '0');
  }

  /** Remembers a hex sequencer issued earlier (e.g. by a previous run), so later ones exceed it. */
  observe(sequencer: string): void {
    const value = BigInt(`0x${sequencer}`);
    if (value > this.last) this.last = value;
  }
}
