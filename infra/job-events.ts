import type { DeployPlan } from '@stevedore/deploy';

/**
 * Job events: the ledger table's stream invokes the job-events function (batches retried and bisected
 * on failure; a batch that still fails is reported to the dead-letter queue), which puts
 * `Stevedore Job State Change` events on the plan's bus.
 */
export function jobEvents(
  plan: DeployPlan,
  table: aws.dynamodb.Table,
  lambdas: { spec: { handler: string }; fn: sst.aws.Function }[],
  deadLetterArn: $util.Input<string>,
) {
  const spec = plan.jobEvents;
  if (!spec) return undefined;
  const fn = lambdas.find((l) => l.spec.handler === spec.handler)?.fn;
  if (!fn) throw new Error(`the plan has job events but no ${spec.handler} function`);
  return new aws.lambda.EventSourceMapping('JobEventsStream', {
    functionName: fn.name,
    eventSourceArn: table.streamArn,
    startingPosition: spec.startingPosition,
    batchSize: spec.batchSize,
    maximumBatchingWindowInSeconds: spec.maximumBatchingWindowSeconds,
    maximumRetryAttempts: spec.maximumRetryAttempts,
    maximumRecordAgeInSeconds: spec.maximumRecordAgeSeconds,
    bisectBatchOnFunctionError: spec.bisectBatchOnFunctionError,
    destinationConfig: { onFailure: { destinationArn: deadLetterArn } },
  });
}
