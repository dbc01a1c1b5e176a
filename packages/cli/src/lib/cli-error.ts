/** An error the CLI reports as one line (no stack trace) with exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}
