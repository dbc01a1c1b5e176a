import { matchingPipelines, newJob, parseObjectCreated, s3JobId } from '@stevedore/core';
import { deployed } from './lib/deployed';
import type { Handler, HandlerDeps } from './lib/deps';
import { launchJob, sourcePolicy } from './lib/job-runner';
import { parseOrReject } from './lib/malformed';

/**
 * S3 "Object Created" -> one job per matching pipeline, launched at once when a slot is free.
 * The job id comes from pipeline, bucket, key and sequencer, so a redelivered event is the same job.
 */
export function objectCreated(deps: HandlerDeps): Handler {
  return async (event) => {
    const parsed = parseOrReject(deps, 'object-created', () => parseObjectCreated(event));
    if (!parsed) return;
    const { bucket, object } = parsed.detail;
    const pipelines = matchingPipelines(deps.config, {
      bucket: bucket.name,
      key: object.key,
      size: object.size,
    });
    if (pipelines.length === 0)
      deps.logger.debug('no pipeline matches', { bucket: bucket.name, key: object.key });

    for (const name of pipelines) {
      const found = sourcePolicy(deps, name);
      if (!found) continue;
      const { source } = found;
      const candidate = newJob(
        {
          jobId: s3JobId(name, bucket.name, object.key, object.sequencer),
          kind: 'pipeline',
          source: name,
          task: source.taskName,
          maxAttempts: source.retry.attempts,
          timeoutSeconds: source.timeoutSeconds,
          input: {
            S3_BUCKET: bucket.name,
            S3_KEY: object.key,
            S3_VERSION_ID: object['version-id'] ?? '',
            S3_SIZE: String(object.size),
            S3_ETAG: object.etag ?? '',
          },
        },
        deps.clock.now(),
      );
      const { created, job } = await deps.ledger.createJob(candidate);
      if (created)
        deps.logger.info('transition', {
          jobId: job.jobId,
          source: name,
          state: job.state,
          attempt: 1,
          key: object.key,
        });
      // A redelivery finds the job: launching again is a no-op unless the first delivery died before
      // it launched, and then it repairs that (same clientToken).
      await launchJob(deps, job);
    }
  };
}

export const handler = deployed(objectCreated);
