import { resourceId } from '@stevedore/core/config';
import { type DeployPlan, SCHEDULER_RETRY, schedulerPolicy, schedulerTrustPolicy } from '@stevedore/deploy';

/**
 * One EventBridge Scheduler schedule per configured schedule, with its time zone, no flexible
 * window, a retry policy and the dead-letter queue, invoking the schedule-fired function through a
 * role that may do exactly that.
 */
export function schedules(
  plan: DeployPlan,
  targets: { spec: { handler: string }; fn: sst.aws.Function }[],
  deadLetters: aws.sqs.Queue,
) {
  if (plan.schedules.length === 0) return [];
  const target = targets.find((t) => t.spec.handler === 'schedule-fired');
  if (!target) throw new Error('no schedule-fired function');
  const role = new aws.iam.Role('SchedulerRole', {
    name: plan.schedulerRoleName,
    assumeRolePolicy: JSON.stringify(schedulerTrustPolicy(plan.scope.account)),
  });
  new aws.iam.RolePolicy('SchedulerPolicy', {
    role: role.name,
    policy: $resolve([target.fn.arn, deadLetters.arn]).apply(([fn, dlq]) =>
      JSON.stringify(schedulerPolicy(fn, dlq)),
    ),
  });
  return plan.schedules.map(
    (schedule) =>
      new aws.scheduler.Schedule(`${resourceId(schedule.name)}Schedule`, {
        name: schedule.scheduleName,
        scheduleExpression: schedule.expression,
        scheduleExpressionTimezone: schedule.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: schedule.enabled ? 'ENABLED' : 'DISABLED',
        target: {
          arn: target.fn.arn,
          roleArn: role.arn,
          input: schedule.input,
          retryPolicy: SCHEDULER_RETRY,
          deadLetterConfig: { arn: deadLetters.arn },
        },
      }),
  );
}
