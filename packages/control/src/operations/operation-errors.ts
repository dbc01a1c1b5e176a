/** An operation an operator asked for that cannot be done as asked: one line that says why. */
export class OperationError extends Error {
  override name = 'OperationError';
  readonly kind: OperationErrorKind;

  constructor(kind: OperationErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }
}

export type OperationErrorKind =
  | 'unknown-job'
  | 'unknown-source'
  | 'unknown-task'
  | 'unknown-bucket'
  | 'missing-object'
  | 'invalid-input'
  | 'wrong-state'
  | 'contended';

/** "a, b, c", or "none" for an empty list: the valid choices an error names. */
export function choices(names: readonly string[]): string {
  return names.length > 0 ? names.join(', ') : 'none';
}
