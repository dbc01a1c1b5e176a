import { iamReport } from '@stevedore/cli/format';
import { parseConfig } from '@stevedore/core/config';
import { deployPlan } from '@stevedore/deploy';
import { describe, expect, it } from 'vitest';
import exampleConfig from '../../../stevedore.config';

const SCOPE = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
const config = parseConfig(exampleConfig);
const plan = deployPlan(config, 'prod', SCOPE);

describe('the operator policy for jobs cancel, retry and submit', () => {
  it('reads and writes the ledger, stops the cluster’s tasks, reads the pipelines’ objects, and launches nothing', () => {
    const buckets = [...new Set(Object.values(config.pipelines).map((p) => p.bucket))];

    expect(plan.jobOperatorPolicy.Statement).toEqual([
      {
        Sid: 'OperateJobs',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        Resource: [
          'arn:aws:dynamodb:eu-west-1:123456789012:table/stevedore-prod-ledger',
          'arn:aws:dynamodb:eu-west-1:123456789012:table/stevedore-prod-ledger/index/*',
        ],
      },
      {
        Sid: 'StopCancelledTasks',
        Effect: 'Allow',
        Action: ['ecs:StopTask'],
        Resource: ['arn:aws:ecs:eu-west-1:123456789012:task/stevedore-prod/*'],
        Condition: {
          ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:eu-west-1:123456789012:cluster/stevedore-prod' },
        },
      },
      {
        Sid: 'ReadSubmittedObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`),
      },
    ]);
  });

  it('is printed by stevedore iam', () => {
    expect(iamReport(plan).jobOperator?.policy).toEqual(plan.jobOperatorPolicy);
  });
});
