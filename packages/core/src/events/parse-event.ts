import * as v from 'valibot';
import { MalformedEventError } from '../errors';
import { timeProblem } from '../job/input-limits';

/** Parses an event with a schema; a mismatch throws MalformedEventError naming each bad field. */
export function parseEvent<S extends v.GenericSchema>(
  source: string,
  schema: S,
  event: unknown,
): v.InferOutput<S> {
  const result = v.safeParse(schema, event, { abortPipeEarly: true });
  if (result.success) return result.output;
  const problems = result.issues.slice(0, 5).map((issue) => {
    const path = v.getDotPath(issue) ?? '(event)';
    return `${path}: ${issue.message}`;
  });
  throw new MalformedEventError(source, problems);
}

/** Date and time with a zone, as AWS writes them (`2024-05-01T12:00:00Z`, `...00.123+0000`). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 timestamp as AWS writes them, within TIME_RANGE (Date.parse alone takes `1` or year 0000). */
export const isoTime = v.pipe(
  v.string('expected an ISO 8601 time'),
  v.regex(ISO_8601, 'expected an ISO 8601 time'),
  v.check((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time'),
  v.check(
    (s) => timeProblem(new Date(s)) === undefined,
    (issue) => timeProblem(new Date(String(issue.input))) ?? 'expected an ISO 8601 time',
  ),
);

/** The EventBridge envelope's fields that Stevedore reads. Other fields are tolerated. */
export const envelope = <D extends v.GenericSchema, T extends string, S extends string>(
  source: S,
  detailType: T,
  detail: D,
) =>
  v.looseObject({
    id: v.string('expected the event id'),
    source: v.literal(source, `expected "${source}"`),
    'detail-type': v.literal(detailType, `expected "${detailType}"`),
    time: isoTime,
    region: v.optional(v.string()),
    account: v.optional(v.string()),
    resources: v.optional(v.array(v.string())),
    detail,
  });
