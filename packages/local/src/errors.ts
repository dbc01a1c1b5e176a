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

/** The options of a local endpoint are not usable; `key` names the option (a dotted path). */
export class LocalConfigError extends LocalRuntimeError {
  override name = 'LocalConfigError';
  readonly key: string;

  constructor(key: string, problem: string, options?: ErrorOptions) {
    super(`${key}: ${problem}`, options);
    this.key = key;
  }
}

/**
 * A request the local ECS endpoint refuses the way ECS does: `code` is the exception name the SDK
 * raises (`__type` on the wire), `status` the HTTP status, `fields` extra members of the error body
 * (ConflictException's `resourceIds`).
 */
export class EcsApiError extends LocalRuntimeError {
  override name = 'EcsApiError';
  readonly code: string;
  readonly status: number;
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options?: ErrorOptions & { status?: number; fields?: Record<string, unknown> },
  ) {
    super(message, options);
    this.code = code;
    this.status = options?.status ?? (code === 'ServerException' ? 500 : 400);
    this.fields = options?.fields ?? {};
  }
}

/** The state dir (or a file in it) cannot be written: read-only, full, or not a directory. */
export class StateDirWriteError extends LocalRuntimeError {
  override name = 'StateDirWriteError';
  readonly path: string;
  readonly code: string | undefined;

  constructor(path: string, code: string | undefined, options?: ErrorOptions) {
    super(`cannot write to ${path}: ${describeWriteFailure(code)}`, options);
    this.path = path;
    this.code = code;
  }

  /** Wraps a file system error (kept as the cause); a StateDirWriteError passes through. */
  static from(error: unknown, path: string): StateDirWriteError {
    if (error instanceof StateDirWriteError) return error;
    return new StateDirWriteError(path, (error as NodeJS.ErrnoException).code, { cause: error });
  }
}

function describeWriteFailure(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full (ENOSPC); free some space and try again';
    case 'EROFS':
      return 'the file system is read-only (EROFS); choose another --state-dir';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}); choose a --state-dir this user can write to`;
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory (ENOTDIR)';
    default:
      return code ?? 'unknown error';
  }
}
