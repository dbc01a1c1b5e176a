/*
 * The AWS side: the composition root (createDeps), the adapters it wires and the errors they raise.
 * The table's own layout and helper, for the deploy plan and the ledger's tests: @stevedore/aws/ledger.
 */
export { createDeps, type WorkerAdapters } from './control-plane';
export { EcsLauncher } from './ecs/ecs-launcher';
export { EcsScaler } from './ecs/ecs-scaler';
export { JobEventsError, LedgerError, RunTaskError } from './errors';
export { EventBridgeJobEvents, PUT_EVENTS_BATCH, putEventsEntries } from './events/eventbridge-job-events';
export { HandlerFailedError, LambdaInvoker } from './lambda-invoker';
export { type JobItemChange, jobItemChanges } from './ledger/job-stream';
export { type LedgerStores, ledgerStores } from './ledger/ledger-stores';
export { ensureLedgerTable } from './ledger/table';
export { ObjectHeadError, S3ObjectHeads } from './s3/s3-object-heads';
export { ObjectListingError, S3ObjectLister } from './s3/s3-object-lister';
export { withoutSdkLogging } from './sdk-logging';
export { REDRIVE_HOLD_SECONDS, SqsEventDeadLetters } from './sqs/event-dead-letter-queue';
export {
  BODY_PREVIEW_CHARS,
  type DeadLetter,
  DeadLetterQueueError,
  type MoveTask,
  SqsDeadLetters,
} from './sqs/sqs-dead-letters';
export { SqsGauge } from './sqs/sqs-gauge';
export { createWorkerAdapters } from './worker-adapters';
