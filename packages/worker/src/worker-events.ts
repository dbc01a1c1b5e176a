import type { WorkerEvent, WorkerLogger } from './worker-types';

/** Sends one event to the `onEvent` hook and, when an operator should see it, to the logger. */
export type Reporter = (event: WorkerEvent) => void;

/**
 * Per-message successes and visibility extensions are not logged: a busy worker would write several
 * lines per message. Failures (one line per failed receive, saying why and how many receives are left
 * before the dead-letter queue), stops and protection changes are. Message bodies never are.
 */
export function createReporter(logger: WorkerLogger, onEvent: (event: WorkerEvent) => void): Reporter {
  let maxReceiveCount: number | undefined;
  return (event) => {
    switch (event.type) {
      case 'started':
        maxReceiveCount = event.maxReceiveCount;
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
      case 'failed': {
        const cause = event.error.cause instanceof Error ? event.error.cause : event.error;
        logger.error(
          `message ${event.messageId} failed: ${cause.message}; ${afterFailure(event, maxReceiveCount)}`,
          {
            messageId: event.messageId,
            receiveCount: event.receiveCount,
            ...(maxReceiveCount === undefined ? {} : { maxReceiveCount }),
            malformed: event.malformed,
            error: cause,
          },
        );
        break;
      }
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

/** What happens to a failed message next, as the failure log says it. */
function afterFailure(
  event: { receiveCount: number; malformed: boolean },
  maxReceiveCount: number | undefined,
): string {
  const when = event.malformed
    ? 'visible again at once (malformed)'
    : 'visible again after its visibility timeout';
  if (maxReceiveCount === undefined) return `it stays on the queue, ${when}`;
  if (event.receiveCount >= maxReceiveCount) {
    return `receive ${event.receiveCount} of ${maxReceiveCount}: SQS moves it to the dead-letter queue on its next receive`;
  }
  return `receive ${event.receiveCount} of ${maxReceiveCount} before the dead-letter queue, ${when}`;
}
