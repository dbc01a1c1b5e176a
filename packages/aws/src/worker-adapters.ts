import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WorkerAdapters } from './control-plane';
import { EcsScaler } from './ecs/ecs-scaler';
import { SqsGauge } from './sqs/sqs-gauge';

/*
 * Kept apart from the composition root so that a bundle which never scales workers (the job
 * functions) does not carry the SQS client.
 */

export interface WorkerAdapterOptions {
  cluster: string;
  /** Created from the environment when omitted. */
  clients?: { sqs?: SQSClient; ecs?: ECSClient };
  /** Known queue URLs by queue name (the local runtime's); others are looked up with GetQueueUrl. */
  queueUrls?: Record<string, string>;
}

/** The queue gauge and service scaler for `createDeps`'s `workers`. */
export function createWorkerAdapters(options: WorkerAdapterOptions): WorkerAdapters {
  return {
    gauge: new SqsGauge({
      ...(options.clients?.sqs ? { client: options.clients.sqs } : {}),
      ...(options.queueUrls ? { queueUrls: options.queueUrls } : {}),
    }),
    scaler: new EcsScaler({
      cluster: options.cluster,
      ...(options.clients?.ecs ? { client: options.clients.ecs } : {}),
    }),
  };
}
