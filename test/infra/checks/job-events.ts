import { type Check, deadLetterArn, field, label, named, ofType, output, TYPES } from './context';

/** Pulumi's type token of a Lambda event source mapping. */
export const EVENT_SOURCE_MAPPING = 'aws:lambda/eventSourceMapping:EventSourceMapping';

/**
 * Job events: the ledger table streams every write's before and after, and exactly one event source
 * mapping feeds that stream to the job-events function, retrying and bisecting failed batches as the
 * plan says and reporting the ones that still fail to the dead-letter queue. No jobs, no mapping.
 */
export const ledgerStreamFeedsJobEvents: Check = (context) => {
  const { run, plan } = context;
  const problems: string[] = [];
  const mappings = ofType(run, EVENT_SOURCE_MAPPING);
  const spec = plan.jobEvents;
  if (!spec) {
    for (const mapping of mappings)
      problems.push(`${label(mapping)}: declared, but the plan has no job events`);
    return problems;
  }
  const table = named(run, TYPES.table, plan.names.table)[0];
  if (!table) return [`no ledger table ${plan.names.table}`];
  if (table.inputs.streamEnabled !== true || field(table, 'streamViewType') !== spec.streamViewType) {
    problems.push(`${label(table)}: streamEnabled/streamViewType are not true/${spec.streamViewType}`);
  }
  const fn = plan.functions.find((f) => f.handler === spec.handler);
  if (mappings.length !== 1) problems.push(`${mappings.length} event source mappings declared, not one`);
  for (const mapping of mappings) {
    const where = label(mapping);
    if (field(mapping, 'functionName') !== fn?.name) {
      problems.push(`${where}: functionName is ${field(mapping, 'functionName')}, not ${fn?.name}`);
    }
    if (!output(table, 'streamArn') || field(mapping, 'eventSourceArn') !== output(table, 'streamArn')) {
      problems.push(`${where}: eventSourceArn is not the ledger table's stream`);
    }
    const expected: Record<string, unknown> = {
      startingPosition: spec.startingPosition,
      batchSize: spec.batchSize,
      maximumBatchingWindowInSeconds: spec.maximumBatchingWindowSeconds,
      maximumRetryAttempts: spec.maximumRetryAttempts,
      maximumRecordAgeInSeconds: spec.maximumRecordAgeSeconds,
      bisectBatchOnFunctionError: spec.bisectBatchOnFunctionError,
    };
    for (const [key, value] of Object.entries(expected)) {
      if (mapping.inputs[key] !== value)
        problems.push(`${where}: ${key} is ${String(mapping.inputs[key])}, not ${value}`);
    }
    const destination = (
      mapping.inputs.destinationConfig as { onFailure?: { destinationArn?: unknown } } | undefined
    )?.onFailure?.destinationArn;
    const dlq = deadLetterArn(context);
    if (!dlq || destination !== dlq) {
      problems.push(
        `${where}: destinationConfig.onFailure is ${String(destination)}, not the dead-letter queue`,
      );
    }
  }
  return problems;
};
