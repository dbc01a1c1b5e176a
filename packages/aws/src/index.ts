export { systemClock } from './clock';
export { type CreateDepsOptions, createDeps, type WorkerAdapters } from './control-plane';
export {
  EcsLauncher,
  type EcsLauncherOptions,
  type NetworkSettings,
  OVERRIDES_LIMIT,
} from './ecs/ecs-launcher';
export { EcsScaler, type EcsScalerOptions } from './ecs/ecs-scaler';
export { exceptionToError, failureToError } from './ecs/run-task-errors';
export { snapshotOfTask } from './ecs/task-snapshot';
export { EcsError, LedgerError, RunTaskError, type RunTaskErrorKind, StevedoreAwsError } from './errors';
export { itemToJob, jobToItem, patchToUpdate } from './ledger/job-item';
export { type LedgerStores, type LedgerStoresOptions, ledgerStores } from './ledger/ledger-stores';
export { ensureLedgerTable, INDEX, KEY, keys, ledgerTableDefinition, TTL_ATTRIBUTE } from './ledger/table';
export { QueueGaugeError, SqsGauge, type SqsGaugeOptions } from './sqs/sqs-gauge';
export { createWorkerAdapters, type WorkerAdapterOptions } from './worker-adapters';
