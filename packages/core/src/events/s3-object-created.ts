import * as v from 'valibot';
import { MAX_SEQUENCER_LENGTH, objectKeyProblem } from '../job/input-limits';
import { envelope, parseEvent } from './parse-event';

/** S3 "Object Created" through EventBridge. The key is raw (not URL-encoded), unlike classic S3 notifications. */
export const ObjectCreatedSchema = envelope(
  'aws.s3',
  'Object Created',
  v.looseObject({
    bucket: v.looseObject({ name: v.pipe(v.string('expected the bucket name'), v.minLength(3)) }),
    object: v.looseObject({
      key: v.pipe(
        v.string('expected the object key'),
        v.check(
          (key) => objectKeyProblem(key) === undefined,
          (issue) => objectKeyProblem(String(issue.input)) ?? 'expected an object key',
        ),
      ),
      size: v.pipe(v.number('expected the size in bytes'), v.integer(), v.minValue(0)),
      etag: v.optional(v.string()),
      'version-id': v.optional(v.string()),
      sequencer: v.pipe(
        v.string('expected the sequencer'),
        v.maxLength(
          MAX_SEQUENCER_LENGTH,
          `expected a sequencer of at most ${MAX_SEQUENCER_LENGTH} hex digits`,
        ),
        v.regex(/^[0-9A-Fa-f]+$/, 'expected a hex sequencer'),
      ),
    }),
    reason: v.optional(v.string()),
  }),
);
export type ObjectCreatedEvent = v.InferOutput<typeof ObjectCreatedSchema>;

/** Validates an S3 Object Created event; throws MalformedEventError. */
export function parseObjectCreated(event: unknown): ObjectCreatedEvent {
  return parseEvent('S3 Object Created', ObjectCreatedSchema, event);
}
