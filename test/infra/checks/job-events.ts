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

/** Pulumi's type tokens of an SNS topic, its policy and a subscription. */
export const SNS = {
  topic: 'aws:sns/topic:Topic',
  topicPolicy: 'aws:sns/topicPolicy:TopicPolicy',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
} as const;

/** The rule name of the config's notifications, if any: that rule targets a topic, not a function. */
export const notificationRule = (context: { plan: { notifications?: { ruleName: string } } }) =>
  context.plan.notifications?.ruleName;

/**
 * `notifications`: one rule on the plan's job-event pattern, targeting the topic: the config's own, or
 * one created with the email subscribed, whose policy lets only that rule publish. Nothing without it.
 */
export const notificationsAsPlanned: Check = (context) => {
  const { run, plan } = context;
  const problems: string[] = [];
  const spec = plan.notifications;
  const topics = ofType(run, SNS.topic);
  if (!spec) {
    for (const rule of ofType(run, TYPES.rule).filter((r) =>
      field(r, 'name').endsWith('-job-notifications'),
    )) {
      problems.push(`${label(rule)}: declared, but the plan has no notifications`);
    }
    for (const topic of topics) problems.push(`${label(topic)}: declared, but the plan has no notifications`);
    return problems;
  }
  const [rule, ...more] = named(run, TYPES.rule, spec.ruleName);
  if (!rule || more.length > 0)
    return [`rule ${spec.ruleName}: declared ${more.length + (rule ? 1 : 0)} times, not once`];
  if (field(rule, 'eventPattern') !== spec.pattern)
    problems.push(`${label(rule)}: eventPattern is not the plan's`);
  const topic = spec.topicName ? named(run, SNS.topic, spec.topicName)[0] : undefined;
  const topicArn = spec.topicArn ?? output(topic, 'arn');
  if (!topicArn) problems.push(`topic ${spec.topicName}: not declared`);
  const targets = ofType(run, TYPES.target).filter((t) => field(t, 'rule') === spec.ruleName);
  if (targets.length !== 1 || field(targets[0], 'arn') !== topicArn) {
    problems.push(`${label(rule)}: ${targets.length} targets, not one on the topic ${topicArn}`);
  }
  if (topic) {
    const subscriptions = ofType(run, SNS.subscription).filter((s) => field(s, 'topic') === topicArn);
    if (subscriptions.length !== 1 || field(subscriptions[0], 'endpoint') !== spec.email) {
      problems.push(`${label(topic)}: not one email subscription for ${spec.email}`);
    }
    const policy = ofType(run, SNS.topicPolicy).find((p) => field(p, 'arn') === topicArn);
    const statements = policy
      ? (JSON.parse(field(policy, 'policy')) as { Statement: unknown[] }).Statement
      : [];
    const expected = {
      Sid: 'JobNotificationsRule',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: topicArn,
      Condition: { ArnEquals: { 'aws:SourceArn': output(rule, 'arn') } },
    };
    if (JSON.stringify(statements) !== JSON.stringify([expected])) {
      problems.push(`${label(topic)}: its policy does not let exactly ${spec.ruleName} publish`);
    }
  }
  return problems;
};
