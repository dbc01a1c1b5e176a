/*
 * The SDK's logger middleware builds a redacted copy of every command's input and output (walking the
 * operation's schema member by member) and hands it to the client's logger, which, unless one was
 * configured, throws it away. Stevedore configures none, and on the launch path that copy of each
 * ledger item and RunTask answer was a measurable share of a handler's CPU (bench:burst's profile).
 */

/** The middleware name the SDK registers its logger under (@aws-sdk/core, loggerMiddlewareOptions). */
const SDK_LOGGER_MIDDLEWARE = 'loggerMiddleware';

/**
 * Drops the SDK's logger middleware from a client and returns it. Applied only to clients Stevedore
 * creates itself, none with a logger: a client a caller hands in keeps its own, which may be read.
 */
export function withoutSdkLogging<Client extends { middlewareStack: { remove(name: string): boolean } }>(
  client: Client,
): Client {
  client.middlewareStack.remove(SDK_LOGGER_MIDDLEWARE);
  return client;
}
