import { EventBridgeJobEvents, jobItemChanges } from '@stevedore/aws';
import { type Handler, type HandlerDeps, publishJobEvents } from '@stevedore/control';
import { parseLedgerStream } from '@stevedore/core/events';
import { deployed } from './lib/lambda/deployed';

/**
 * The ledger's DynamoDB stream -> `Stevedore Job State Change` events on EventBridge. A batch that
 * cannot be parsed or published throws: the event source mapping retries it (bisecting to the bad
 * record) and then sends it to the dead-letter queue, so no event is lost silently.
 */
export function jobEvents(deps: HandlerDeps): Handler {
  return async (event) => {
    await publishJobEvents(deps, jobItemChanges(parseLedgerStream(event)));
  };
}

export const handler = deployed(jobEvents, undefined, () => ({
  jobEvents: new EventBridgeJobEvents({ eventBus: process.env.STEVEDORE_EVENT_BUS ?? 'default' }),
}));
