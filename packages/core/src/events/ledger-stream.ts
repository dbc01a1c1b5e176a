import * as v from 'valibot';
import { parseEvent } from './parse-event';

/*
 * What a DynamoDB Streams event source mapping hands the job-events function: a batch of the ledger's
 * item changes, each with the item before and after (NEW_AND_OLD_IMAGES) in DynamoDB's attribute-value
 * JSON. The local runtime reads the same records with GetRecords.
 */

const image = v.optional(v.record(v.string(), v.looseObject({})));

export const LedgerStreamRecordSchema = v.looseObject({
  eventName: v.picklist(['INSERT', 'MODIFY', 'REMOVE'], 'expected INSERT, MODIFY or REMOVE'),
  dynamodb: v.looseObject({
    Keys: image,
    OldImage: image,
    NewImage: image,
    SequenceNumber: v.optional(v.string()),
  }),
});
export type LedgerStreamRecord = v.InferOutput<typeof LedgerStreamRecordSchema>;

export const LedgerStreamEventSchema = v.looseObject({
  Records: v.array(LedgerStreamRecordSchema, 'expected the stream records'),
});

/** Parses a DynamoDB Streams batch of the ledger; a mismatch throws MalformedEventError. */
export function parseLedgerStream(event: unknown): LedgerStreamRecord[] {
  return parseEvent('DynamoDB stream batch', LedgerStreamEventSchema, event).Records;
}
