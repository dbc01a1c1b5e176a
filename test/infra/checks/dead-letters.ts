import { isDeepStrictEqual } from 'node:util';
import { arnOf, type CheckContext, field, label, named, ofType, TYPES } from './context';

/*
 * Each worker queue's dead-letter queue (issue 18): the DLQ as planned (retention, encryption like the
 * queue, only its queue allowed as a source), the queue's RedrivePolicy naming the very DLQ declared
 * (and created before it), the DLQ's alarm on any visible message, and no role that may touch it.
 */

const METRIC_ALARM = 'aws:cloudwatch/metricAlarm:MetricAlarm';

const parsed = (json: string): unknown => {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
};

/** Each plan worker's queue sends what it gives up on to its own DLQ, which is as planned and alarmed. */
export function workerQueuesHaveDeadLetters({ run, plan }: CheckContext): string[] {
  const problems: string[] = [];
  for (const worker of plan.workers) {
    const spec = worker.deadLetter;
    const [dlq, ...moreDlqs] = named(run, TYPES.queue, spec.queue);
    const [queue, ...moreQueues] = named(run, TYPES.queue, worker.queue);
    if (!dlq || moreDlqs.length > 0) {
      problems.push(
        `dead-letter queue ${spec.queue}: declared ${moreDlqs.length + (dlq ? 1 : 0)} times, not once`,
      );
      continue;
    }
    if (!queue || moreQueues.length > 0) {
      problems.push(`queue ${worker.queue}: declared ${moreQueues.length + (queue ? 1 : 0)} times, not once`);
      continue;
    }
    if (dlq.inputs.messageRetentionSeconds !== spec.retentionSeconds) {
      problems.push(
        `${label(dlq)}: messageRetentionSeconds is ${String(dlq.inputs.messageRetentionSeconds)}, not ${spec.retentionSeconds}`,
      );
    }
    for (const key of ['sqsManagedSseEnabled', 'kmsMasterKeyId'] as const) {
      if (!isDeepStrictEqual(dlq.inputs[key], queue.inputs[key])) {
        problems.push(
          `${label(dlq)}: ${key} is ${String(dlq.inputs[key])}, the queue's is ${String(queue.inputs[key])}`,
        );
      }
    }
    if (queue.inputs.sqsManagedSseEnabled !== true && !field(queue, 'kmsMasterKeyId')) {
      problems.push(`${label(queue)}: not encrypted`);
    }
    if (!isDeepStrictEqual(parsed(field(dlq, 'redriveAllowPolicy')), parsed(spec.redriveAllowPolicy))) {
      problems.push(
        `${label(dlq)}: redriveAllowPolicy is ${field(dlq, 'redriveAllowPolicy')}, not the plan's`,
      );
    }
    const redrive = parsed(field(queue, 'redrivePolicy')) as {
      deadLetterTargetArn?: unknown;
      maxReceiveCount?: unknown;
    };
    if (!isDeepStrictEqual(redrive, parsed(worker.redrivePolicy))) {
      problems.push(`${label(queue)}: redrivePolicy is ${field(queue, 'redrivePolicy')}, not the plan's`);
    }
    if (redrive?.deadLetterTargetArn !== arnOf(dlq)) {
      problems.push(
        `${label(queue)}: redrivePolicy names ${String(redrive?.deadLetterTargetArn)}, not ${label(dlq)}`,
      );
    }
    // SQS refuses a RedrivePolicy whose target does not exist yet.
    if (!queue.options.dependsOn.includes(dlq.urn))
      problems.push(`${label(queue)}: not created after ${label(dlq)}`);

    const [alarm, ...moreAlarms] = named(run, METRIC_ALARM, spec.alarmName);
    if (!alarm || moreAlarms.length > 0) {
      problems.push(
        `alarm ${spec.alarmName}: declared ${moreAlarms.length + (alarm ? 1 : 0)} times, not once`,
      );
    } else {
      const watched = {
        namespace: alarm.inputs.namespace,
        metricName: alarm.inputs.metricName,
        dimensions: alarm.inputs.dimensions,
        threshold: alarm.inputs.threshold,
        comparisonOperator: alarm.inputs.comparisonOperator,
      };
      const expected = {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: spec.queue },
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
      };
      if (!isDeepStrictEqual(watched, expected)) {
        problems.push(
          `${label(alarm)}: watches ${JSON.stringify(watched)}, not any message in ${spec.queue}`,
        );
      }
    }

    // Neither a task role (the worker's included) nor a function may read or change the DLQ.
    const dlqArn = arnOf(dlq);
    for (const policy of ofType(run, TYPES.rolePolicy)) {
      if (field(policy, 'policy').includes(dlqArn))
        problems.push(`${label(policy)}: grants access to ${spec.queue}`);
    }
  }
  return problems;
}
