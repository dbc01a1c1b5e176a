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
