import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, JobStore, ScalingStore, ScheduleStore, SlotStore } from '@stevedore/core/ports';
import { systemClock } from '../clock';
import { withoutSdkLogging } from '../sdk-logging';
import { DynamoJobStore } from './job-store';
import { LedgerTable } from './ledger-table';
import { DynamoScalingStore } from './scaling-store';
import { DynamoScheduleStore } from './schedule-store';
import { DynamoSlotStore } from './slot-store';

export interface LedgerStoresOptions {
  tableName: string;
  /** Created from the environment when omitted (honours AWS_ENDPOINT_URL_DYNAMODB). */
  client?: DynamoDBClient;
  /** How long finished jobs are kept before TTL deletes them (default 90). */
  retentionDays?: number;
  clock?: Clock;
  /** The config's pipelines and schedules, so open-state listings read only open jobs (see DynamoJobStore). */
  sources?: readonly string[];
}

/** The ledger, one store per port, all over the one table. */
export interface LedgerStores {
  jobs: JobStore;
  slots: SlotStore;
  scaling: ScalingStore;
  schedules: ScheduleStore;
}

/** Builds the ledger's stores over one table and one document client: the only place they are made. */
export function ledgerStores(options: LedgerStoresOptions): LedgerStores {
  const doc = DynamoDBDocumentClient.from(options.client ?? withoutSdkLogging(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const table = new LedgerTable(doc, options.tableName);
  const clock = options.clock ?? systemClock;
  const retentionDays = options.retentionDays ?? 90;
  return {
    jobs: new DynamoJobStore(table, {
      clock,
      retentionDays,
      ...(options.sources ? { sources: options.sources } : {}),
    }),
    slots: new DynamoSlotStore(table, clock),
    scaling: new DynamoScalingStore(table, clock),
    // A run's job is created with the schedule's claim: it must be the item the job store would write.
    schedules: new DynamoScheduleStore(table, retentionDays),
  };
}
