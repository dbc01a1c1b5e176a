export { type LocalS3Sqs, type LocalS3SqsOptions, startLocalS3Sqs } from './local-s3-sqs';
export type { QueueDepth } from './local-sqs-store';
export {
  type CreatedObject,
  OBJECT_CREATED_REASONS,
  type ObjectCreatedReason,
  objectCreatedEvent,
  type S3ObjectCreatedEvent,
  SequencerClock,
} from './object-created-event';
