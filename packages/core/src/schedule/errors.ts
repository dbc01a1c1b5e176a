import { StevedoreError } from '../errors';

/**
 * A schedule expression or time zone that EventBridge Scheduler would not take. The message names
 * the expression, the field (when one is at fault) and the problem, so it can be shown as it is.
 */
export class ScheduleExpressionError extends StevedoreError {
  override name = 'ScheduleExpressionError';
  /** The expression (or time zone) as given. */
  readonly expression: string;
  /** The field at fault: a cron field such as `day-of-week`, `value`/`unit` of a rate, or `timezone`. */
  readonly field: string | undefined;
  /** What is wrong, without the expression and field. */
  readonly problem: string;

  constructor(expression: string, field: string | undefined, problem: string, options?: ErrorOptions) {
    super(messageOf(expression, field, problem), options);
    this.expression = expression;
    this.field = field;
    this.problem = problem;
  }
}

function messageOf(expression: string, field: string | undefined, problem: string): string {
  if (field === 'timezone') return `time zone "${expression}": ${problem}`;
  return field === undefined ? `${expression}: ${problem}` : `${expression}: ${field}: ${problem}`;
}
