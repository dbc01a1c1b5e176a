/** Base class of every error @stevedore/local raises. */
export class LocalRuntimeError extends Error {
  override name = 'LocalRuntimeError';
}

/** DynamoDB Local needs a Java runtime. */
export class JavaMissingError extends LocalRuntimeError {
  override name = 'JavaMissingError';

  constructor(found: string, options?: ErrorOptions) {
    super(
      `DynamoDB Local needs Java 17 or newer (${found}). Install it (Debian: apt-get install openjdk-17-jre-headless) and put java on PATH.`,
      options,
    );
  }
}

/** A port the runtime needs is taken by another process. */
export class PortInUseError extends LocalRuntimeError {
  override name = 'PortInUseError';
  readonly port: number;

  constructor(what: string, port: number, options?: ErrorOptions) {
    super(`${what} cannot listen on 127.0.0.1:${port}: the port is already in use`, options);
    this.port = port;
  }
}
