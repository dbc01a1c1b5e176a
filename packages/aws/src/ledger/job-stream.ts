import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LedgerStreamRecord } from '@stevedore/core/events';
import type { Job } from '@stevedore/core/job';
import { itemToJob } from './job-item';
import { KEY, keys } from './table';

/** One write to a job's item, as the ledger's stream carries it: the job before and after. */
export interface JobItemChange {
  previous?: Job;
  next?: Job;
}

const JOB_SORT_KEY = keys.job('').sk;

/**
 * The job changes in a batch of the ledger's stream records, in order: other items (slots, leases,
 * schedules, scaling decisions) are left out. The item layout is read here, beside the code that
 * writes it, so no other package parses it.
 */
export function jobItemChanges(records: readonly LedgerStreamRecord[]): JobItemChange[] {
  const changes: JobItemChange[] = [];
  for (const record of records) {
    const { OldImage, NewImage } = record.dynamodb;
    const previous = jobOfImage(OldImage);
    const next = jobOfImage(NewImage);
    if (previous || next) changes.push({ ...(previous ? { previous } : {}), ...(next ? { next } : {}) });
  }
  return changes;
}

function jobOfImage(image: Record<string, object> | undefined): Job | undefined {
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (item[KEY.sk] !== JOB_SORT_KEY || typeof item[KEY.pk] !== 'string') return undefined;
  return itemToJob(item);
}
