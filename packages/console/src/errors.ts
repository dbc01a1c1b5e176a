/** The console's errors: each carries the HTTP status the API answers with. */
export class ConsoleError extends Error {
  override name = 'ConsoleError';
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A request the API cannot take as it is (a bad parameter, an unknown name): 400 or 404. */
export class ConsoleRequestError extends ConsoleError {
  override name = 'ConsoleRequestError';
  constructor(message: string, status = 400, options?: ErrorOptions) {
    super(message, status, options);
  }
}

/** An action refused: no or a wrong secret, or a request from another origin. */
export class ConsoleForbiddenError extends ConsoleError {
  override name = 'ConsoleForbiddenError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 403, options);
  }
}
