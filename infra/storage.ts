import type { DeployPlan } from '@stevedore/deploy';

/** The pipelines' buckets, each sending its events to EventBridge, and the dead-letter queue. */
export function storage(plan: DeployPlan) {
  const buckets = plan.buckets.map((name, i) => {
    const bucket = new sst.aws.Bucket(`Bucket${i}`, { transform: { bucket: { bucket: name } } });
    new aws.s3.BucketNotification(`Bucket${i}Events`, { bucket: bucket.name, eventbridge: true });
    return bucket;
  });
  // Events and invocations that exhausted their retries: 14 days to look at them.
  const deadLetters = new aws.sqs.Queue('DeadLetters', {
    name: plan.deadLetterQueue,
    messageRetentionSeconds: 14 * 24 * 3600,
    sqsManagedSseEnabled: true,
  });
  return { buckets, deadLetters };
}
