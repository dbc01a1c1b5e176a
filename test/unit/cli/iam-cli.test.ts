import { iamReport } from '@stevedore/cli/format';
import { parseConfig } from '@stevedore/core/config';
import { deployPlan } from '@stevedore/deploy';
import { describe, expect, it } from 'vitest';
import exampleConfig from '../../../stevedore.config';

const SCOPE = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };

describe('stevedore iam: the report', () => {
  it('shows every function and task role, and the scheduler role with who may assume it', () => {
    const plan = deployPlan(parseConfig(exampleConfig), 'prod', SCOPE);
    const report = iamReport(plan);

    expect(report.functions.map((f) => f.function)).toEqual(plan.functions.map((f) => f.name));
    expect(report.tasks.map((t) => t.task)).toEqual(plan.tasks.map((t) => t.name));
    expect(report.scheduler).toEqual({
      role: 'stevedore-prod-scheduler',
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'InvokeScheduleFired',
            Effect: 'Allow',
            Action: ['lambda:InvokeFunction'],
            Resource: ['arn:aws:lambda:eu-west-1:123456789012:function:stevedore-prod-schedule-fired'],
          },
          {
            Sid: 'DeadLetters',
            Effect: 'Allow',
            Action: ['sqs:SendMessage'],
            Resource: ['arn:aws:sqs:eu-west-1:123456789012:stevedore-prod-dead-letters'],
          },
        ],
      },
      trustPolicy: expect.objectContaining({
        Statement: [
          expect.objectContaining({ Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }),
        ],
      }),
    });
  });

  it('has no scheduler role without schedules', () => {
    const config = parseConfig({ ...exampleConfig, schedules: {} });

    expect(iamReport(deployPlan(config, 'prod', SCOPE)).scheduler).toBeNull();
  });
});
