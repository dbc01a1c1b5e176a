import { type DeployPlan, ledgerTableArgs } from '@stevedore/deploy';

/** The ledger table: KEYS_ONLY indexes, TTL on finished jobs, point-in-time recovery. */
export function ledger(plan: DeployPlan) {
  return new aws.dynamodb.Table('Ledger', ledgerTableArgs(plan.names.table));
}
