import { iamReport } from '@stevedore/cli/format';
import { parseConfig } from '@stevedore/core/config';
import { deployPlan } from '@stevedore/deploy';
import { describe, expect, it } from 'vitest';
import exampleConfig from '../../../stevedore.config';

const SCOPE = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
const plan = deployPlan(parseConfig(exampleConfig), 'prod', SCOPE);

describe('the operator policy for backfill and redrive', () => {
  it('lists each pipeline bucket under its prefixes only, records jobs on the table, redrives the stage’s event DLQ into its functions', () => {
    const statements = plan.backfillRedrivePolicy.Statement;

    expect(statements.find((s) => s.Sid === 'ListPipelineObjects1')).toEqual({
      Sid: 'ListPipelineObjects1',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: ['arn:aws:s3:::stevedore-inbox'],
      Condition: { StringLike: { 's3:prefix': ['flaky/*', 'incoming/*'] } },
    });
    expect(statements.find((s) => s.Sid === 'RecordBackfilledJobs')).toMatchObject({
      Action: ['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
      Resource: [
        'arn:aws:dynamodb:eu-west-1:123456789012:table/stevedore-prod-ledger',
        'arn:aws:dynamodb:eu-west-1:123456789012:table/stevedore-prod-ledger/index/*',
      ],
    });
    expect(statements.find((s) => s.Sid === 'RedriveEventDeadLetters')).toMatchObject({
      Action: [
        'sqs:GetQueueUrl',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:SendMessage',
      ],
      Resource: [`arn:aws:sqs:eu-west-1:123456789012:${plan.deadLetterQueue}`],
    });
    expect(statements.find((s) => s.Sid === 'RedriveToHandlers')?.Resource).toEqual(
      plan.functions.map((f) => `arn:aws:lambda:eu-west-1:123456789012:function:${f.name}`).sort(),
    );
    // No ECS and no PassRole: on a stage the sweeper launches backfilled jobs.
    expect(
      statements.flatMap((s) => s.Action).filter((a) => a.startsWith('ecs:') || a.startsWith('iam:')),
    ).toEqual([]);
  });

  it('is printed by stevedore iam', () => {
    expect(iamReport(plan).backfillRedrive?.policy).toEqual(plan.backfillRedrivePolicy);
  });
});
