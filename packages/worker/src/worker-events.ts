import type { WorkerEvent, WorkerLogger } from './worker-types';

/** Sends one event to the `onEvent` hook and, when an operator should see it, to the logger. */
export type Reporter = (event: WorkerEvent) => void;

/**
 * Per-message successes and visibility extensions are not logged: a busy worker would write several
 * lines per message. Failures, stops and protection changes are. Message bodies never are.
 */
export function createReporter(logger: WorkerLogger, onEvent: (event: WorkerEvent) => void): Reporter {
  return (event) => {
    switch (event.type) {
      case 'started':
        logger.info('worker started', {
          queueUrl: event.queueUrl,
          visibilityTimeoutSeconds: event.visibilityTimeoutSeconds,
          protectionAvailable: event.protectionAvailable,
        });
        break;
      case 'protected':
        logger.info(event.renewal ? 'task protection renewed' : 'task protected from scale-in', {
          expiresAt: event.expiresAt?.toISOString(),
        });
        break;
      case 'unprotected':
        logger.info('task protection removed');
        break;
      case 'failed':
        logger.error('message handler failed; the message stays on the queue', {
          messageId: event.messageId,
          receiveCount: event.receiveCount,
          error: event.error.cause instanceof Error ? event.error.cause : event.error,
        });
        break;
      case 'error':
        logger.warn(event.error.message, { error: event.error });
        break;
      case 'stopping':
        logger.info('worker stopping: finishing the messages in hand', { reason: event.reason });
        break;
      case 'stopped':
        logger.info('worker stopped', { ...event.summary });
        break;
      default:
        break;
    }
    onEvent(event);
  };
}
