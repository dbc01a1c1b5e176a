import { parseConfig } from '@stevedore/core/config';
import { deployPlan } from '@stevedore/deploy';
import { workerQueues } from '@stevedore/local';
import { describe, expect, it } from 'vitest';
import exampleConfig from '../../../stevedore.config';

const SCOPE = { partition: 'aws', region: 'us-east-1', account: '000000000000' };

describe("the local runtime's worker queues", () => {
  it('are the queues a deploy creates: each DLQ before its queue, with the same attributes', () => {
    const config = parseConfig(exampleConfig);
    const [worker] = deployPlan(config, 'local', SCOPE).workers;

    expect(workerQueues(config, { region: SCOPE.region, accountId: SCOPE.account })).toEqual([
      {
        name: worker?.deadLetter.queue,
        attributes: {
          MessageRetentionPeriod: String(worker?.deadLetter.retentionSeconds),
          RedriveAllowPolicy: worker?.deadLetter.redriveAllowPolicy,
        },
      },
      {
        name: 'stevedore-work',
        attributes: {
          VisibilityTimeout: String(worker?.visibilityTimeout),
          RedrivePolicy: worker?.redrivePolicy,
        },
      },
    ]);
  });
});
