/*
 * A worker queue's dead-letter queue, as SQS attributes: written here once for infra (through the
 * deploy plan) and for the local SQS stand-in, so the two create the same queues.
 */

/** SQS's longest message retention, 14 days, which every worker's dead-letter queue gets. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/** The worker queue's RedrivePolicy attribute: after `maxReceiveCount` receives a message moves to the DLQ. */
export function redrivePolicy(deadLetterQueueArn: string, maxReceiveCount: number): string {
  return JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount });
}

/** The dead-letter queue's RedriveAllowPolicy attribute: only the worker's own queue may use it. */
export function redriveAllowPolicy(sourceQueueArn: string): string {
  return JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [sourceQueueArn] });
}
