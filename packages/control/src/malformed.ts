import { MalformedEventError } from '@stevedore/core/errors';
import type { HandlerDeps } from './deps';

/**
 * Runs `parse`; a malformed event is rejected with one log line naming what is wrong (never the whole
 * event) and nothing is written. Retrying cannot fix it, so it is not thrown.
 */
export function parseOrReject<T>(deps: HandlerDeps, handler: string, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof MalformedEventError)) throw error;
    deps.logger.error('rejected malformed event', {
      handler,
      source: error.source,
      problems: error.problems,
    });
    return undefined;
  }
}
