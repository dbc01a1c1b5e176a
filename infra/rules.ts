import { resourceId } from '@stevedore/core/config';
import type { DeployPlan } from '@stevedore/deploy';

/**
 * EventBridge rules from the routes in packages/core (the same patterns the local bus matches): one
 * per pipeline for its objects, one for the cluster's task state changes, a schedule for the sweeper.
 * Deliveries that fail go to the dead-letter queue.
 */
export function rules(
  plan: DeployPlan,
  targets: { spec: { handler: string }; fn: sst.aws.Function }[],
  deadLetters: aws.sqs.Queue,
) {
  const created = plan.rules.map((rule) => {
    const target = targets.find((t) => t.spec.handler === rule.handler);
    if (!target) throw new Error(`no function for ${rule.handler}`);
    const id = resourceId(rule.name.slice(plan.names.prefix.length + 1));
    const eventRule = new aws.cloudwatch.EventRule(`${id}Rule`, {
      name: rule.name,
      ...(rule.pattern ? { eventPattern: rule.pattern } : { scheduleExpression: rule.schedule }),
    });
    new aws.cloudwatch.EventTarget(`${id}Target`, {
      rule: eventRule.name,
      arn: target.fn.arn,
      retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 6 * 3600 },
      deadLetterConfig: { arn: deadLetters.arn },
    });
    new aws.lambda.Permission(`${id}Invoke`, {
      action: 'lambda:InvokeFunction',
      function: target.fn.name,
      principal: 'events.amazonaws.com',
      sourceArn: eventRule.arn,
    });
    return eventRule;
  });

  // EventBridge may put undeliverable events in the queue, from these rules only.
  new aws.sqs.QueuePolicy('DeadLettersPolicy', {
    queueUrl: deadLetters.url,
    policy: $resolve([deadLetters.arn, ...created.map((r) => r.arn)]).apply(([queueArn, ...ruleArns]) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'RuleDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: queueArn,
            Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
          },
        ],
      }),
    ),
  });
  return created;
}
