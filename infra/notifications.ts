import type { DeployPlan } from '@stevedore/deploy';

/**
 * `notifications`: an EventBridge rule on the job events the config chose, targeting an SNS topic:
 * one created here with the config's email subscribed (its policy lets only that rule publish), or
 * the config's own topic (whose policy is its owner's to set: see README, Job events).
 */
export function notifications(plan: DeployPlan) {
  const spec = plan.notifications;
  if (!spec) return undefined;
  const rule = new aws.cloudwatch.EventRule('JobNotificationsRule', {
    name: spec.ruleName,
    eventPattern: spec.pattern,
  });
  let topicArn: $util.Input<string>;
  if (spec.topicName && spec.email) {
    const topic = new aws.sns.Topic('JobNotificationsTopic', { name: spec.topicName });
    new aws.sns.TopicSubscription('JobNotificationsEmail', {
      topic: topic.arn,
      protocol: 'email',
      endpoint: spec.email,
    });
    new aws.sns.TopicPolicy('JobNotificationsTopicPolicy', {
      arn: topic.arn,
      policy: $resolve([topic.arn, rule.arn]).apply(([arn, ruleArn]) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'JobNotificationsRule',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: arn,
              Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
            },
          ],
        }),
      ),
    });
    topicArn = topic.arn;
  } else if (spec.topicArn) {
    topicArn = spec.topicArn;
  } else {
    throw new Error('notifications: the plan names neither a topic to create nor one to use');
  }
  new aws.cloudwatch.EventTarget('JobNotificationsTarget', { rule: rule.name, arn: topicArn });
  return rule;
}
