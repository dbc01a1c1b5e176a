import { marshall } from '@aws-sdk/util-dynamodb';
import { createDeps } from '@stevedore/aws';
import { keys } from '@stevedore/aws/ledger';
import { resourceNames } from '@stevedore/core/config';
import { MalformedEventError } from '@stevedore/core/errors';
import { type Job, type JobStateChange, transition } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { jobEvents } from '../../../functions/job-events';
import { loadEvent } from '../../support/fixtures';
import { LAUNCHED_AT, policyOf, submittedJob, thumbnailsConfig } from '../../support/jobs';

/*
 * The job-events Lambda entry on DynamoDB Streams batches as Lambda delivers them: the AWS
 * documentation's sample batch, and variants of it whose images are ledger items of a job.
 */

const CONFIG = thumbnailsConfig({ attempts: 2 });
const policy = policyOf(CONFIG);

function handlerWith(publish: (events: readonly JobStateChange[]) => Promise<void>) {
  const deps = createDeps({
    config: CONFIG,
    names: resourceNames('eventstest', 'prod'),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    jobEvents: { publish },
  });
  return jobEvents(deps);
}

/** A ledger item of a job, in the stream's attribute-value JSON (keys as the table writes them). */
const image = (job: Job) => marshall({ ...job, ...keys.job(job.jobId) }, { removeUndefinedValues: true });

/** The sample batch with its records' images replaced by two writes of a job: its creation and its launch. */
function jobBatch(created: Job, launched: Job): Record<string, unknown> {
  const sample = loadEvent('dynamodb', 'stream-batch') as {
    Records: Record<string, Record<string, unknown>>[];
  };
  const [insert, modify] = sample.Records;
  return {
    Records: [
      {
        ...insert,
        dynamodb: { ...insert?.dynamodb, Keys: marshall(keys.job(created.jobId)), NewImage: image(created) },
      },
      {
        ...modify,
        dynamodb: {
          ...modify?.dynamodb,
          Keys: marshall(keys.job(created.jobId)),
          OldImage: image(created),
          NewImage: image(launched),
        },
      },
    ],
  };
}

describe('the job-events function', () => {
  it("publishes nothing for the documentation's sample batch: its items are no jobs", async () => {
    const published: JobStateChange[][] = [];
    const handler = handlerWith(async (events) => {
      published.push([...events]);
    });

    await handler(loadEvent('dynamodb', 'stream-batch'));

    expect(published).toEqual([]);
  });

  it("publishes a job's creation and launch, in order, in one call", async () => {
    const created = submittedJob(policy);
    const { next: launched } = transition(
      created,
      { type: 'launched', attempt: 1, taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/0f' },
      LAUNCHED_AT,
      policy,
    );
    const published: JobStateChange[][] = [];
    const handler = handlerWith(async (events) => {
      published.push([...events]);
    });

    await handler(jobBatch(created, launched));

    expect(published.map((call) => call.map((e) => `${e.previousState ?? 'new'}->${e.state}`))).toEqual([
      ['new->SUBMITTED', 'SUBMITTED->STARTING'],
    ]);
  });

  it('throws when publishing fails, so the stream retries the batch', async () => {
    const created = submittedJob(policy);
    const handler = handlerWith(() => Promise.reject(new Error('EventBridge is down')));

    await expect(handler(jobBatch(created, created))).rejects.toThrow('EventBridge is down');
  });

  it('throws on a batch that is not a stream batch', async () => {
    const handler = handlerWith(async () => {});

    await expect(handler({ Records: [{ eventName: 'UPSERT', dynamodb: {} }] })).rejects.toThrow(
      MalformedEventError,
    );
  });
});
