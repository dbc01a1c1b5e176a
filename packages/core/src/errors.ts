/** Base class of every error @stevedore/core raises. */
export class StevedoreError extends Error {
  override name = 'StevedoreError';
}

/** One problem found in a config: where (a dotted path) and what. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** A config that does not validate. `issues` holds every problem, each with its path. */
export class ConfigError extends StevedoreError {
  override name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: ErrorOptions) {
    const lines = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    super(`invalid config:\n  ${lines.join('\n  ')}`, options);
    this.issues = issues;
  }
}

/** An event that does not have the shape Stevedore needs. Nothing is written for it. */
export class MalformedEventError extends StevedoreError {
  override name = 'MalformedEventError';
  readonly source: string;
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[], options?: ErrorOptions) {
    super(`malformed ${source} event: ${problems.join('; ')}`, options);
    this.source = source;
    this.problems = problems;
  }
}

/** A value that cannot become a job's input (a key S3 would refuse, a time out of range). Nothing is written. */
export class InvalidJobInputError extends StevedoreError {
  override name = 'InvalidJobInputError';
  readonly field: string;
  readonly problem: string;

  constructor(field: string, problem: string, options?: ErrorOptions) {
    super(`invalid ${field}: ${problem}`, options);
    this.field = field;
    this.problem = problem;
  }
}

/** A job listing the ledger cannot serve with a key condition (a key prefix without its source). */
export class UnservedJobQueryError extends StevedoreError {
  override name = 'UnservedJobQueryError';
}

/** The kinds of launch refusal the state machine tells apart (see `LaunchFailure`). */
export type LaunchRefusalKind = 'capacity' | 'throttling' | 'invalid' | 'conflict' | 'unknown';

/** What a launcher knows beyond the refusal itself. */
export interface LaunchRefusalOptions extends ErrorOptions {
  /**
   * When the call may succeed, in milliseconds from the refusal, if the launcher knows (throttling:
   * the refill of the token bucket it paces itself by). Without it the job backs off as for capacity.
   */
  retryAfterMs?: number;
}

/**
 * A task launcher refused to start a task (ECS: a RunTask exception or a `failures[]` entry). The
 * application layer records it on the job; any other error from a launcher is thrown on, so the
 * caller is retried. Adapters subclass it with their own details.
 */
export class LaunchRefusedError extends StevedoreError {
  override name = 'LaunchRefusedError';
  readonly kind: LaunchRefusalKind;
  readonly reason: string;
  readonly retryAfterMs: number | undefined;

  constructor(kind: LaunchRefusalKind, reason: string, options?: LaunchRefusalOptions) {
    super(`launch ${kind}: ${reason}`, options);
    this.kind = kind;
    this.reason = reason;
    this.retryAfterMs = options?.retryAfterMs;
  }

  /** The refusal as the state machine takes it. */
  toLaunchFailure(): { kind: LaunchRefusalKind; reason: string; retryAfterMs?: number } {
    return {
      kind: this.kind,
      reason: this.reason,
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
    };
  }
}
