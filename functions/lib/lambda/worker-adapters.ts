import { createWorkerAdapters } from '@stevedore/aws';

/** For the queue-alarm and scale-tick entry points only: the others never bundle the SQS client. */
export const workerAdapters = (cluster: string) => createWorkerAdapters({ cluster });
