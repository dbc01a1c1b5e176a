import { type Handler, type HandlerDeps, jobsForObject, parseOrReject } from '@stevedore/control';
import { parseObjectCreated } from '@stevedore/core/events';
import { deployed } from './lib/lambda/deployed';

/** S3 "Object Created" (EventBridge) -> a job per matching pipeline. */
export function objectCreated(deps: HandlerDeps): Handler {
  return async (event) => {
    const parsed = parseOrReject(deps, 'object-created', () => parseObjectCreated(event));
    if (!parsed) return;
    const { bucket, object } = parsed.detail;
    await jobsForObject(deps, {
      bucket: bucket.name,
      key: object.key,
      size: object.size,
      sequencer: object.sequencer,
      versionId: object['version-id'],
      etag: object.etag,
    });
  };
}

export const handler = deployed(objectCreated);
