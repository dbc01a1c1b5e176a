import { EcsApiError } from '../errors';

/*
 * Typed reads of request members. ECS answers a member of the wrong type or range with
 * InvalidParameterException naming the member; these helpers do the same.
 */

export type RequestBody = Readonly<Record<string, unknown>>;

const invalid = (message: string) => new EcsApiError('InvalidParameterException', message);

/** A string member, or undefined when absent. */
export function optionalString(body: RequestBody, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${key} must be a string.`);
  return value;
}

/** A non-empty string member. */
export function requiredString(body: RequestBody, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined || value === '') throw invalid(`${key} is required.`);
  return value;
}

/** An integer member within `range`, or undefined when absent. */
export function optionalInteger(
  body: RequestBody,
  key: string,
  range: { min: number; max: number },
): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw invalid(`${key} must be an integer from ${range.min} to ${range.max}.`);
  }
  return value;
}

/** A boolean member, or undefined when absent. */
export function optionalBoolean(body: RequestBody, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${key} must be a boolean.`);
  return value;
}

/** A boolean member that must be present. */
export function requiredBoolean(body: RequestBody, key: string): boolean {
  const value = optionalBoolean(body, key);
  if (value === undefined) throw invalid(`${key} is required.`);
  return value;
}

/** A list of strings with at most `max` items (required: at least one). */
export function stringList(
  body: RequestBody,
  key: string,
  options: { max: number; required: boolean; label?: string },
): string[] | undefined {
  const value = body[key];
  const label = options.label ?? key;
  if (value === undefined || value === null) {
    if (options.required) throw invalid(`${label} cannot be empty.`);
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalid(`${key} must be a list of strings.`);
  }
  if (options.required && value.length === 0) throw invalid(`${label} cannot be empty.`);
  if (value.length > options.max) throw invalid(`${label} cannot have more than ${options.max} items.`);
  return value as string[];
}

/** A list of objects (absent: undefined). */
export function objectList(body: RequestBody, key: string): RequestBody[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every(isObject)) throw invalid(`${key} must be a list of objects.`);
  return value as RequestBody[];
}

/** An object member, or undefined when absent. */
export function optionalObject(body: RequestBody, key: string): RequestBody | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid(`${key} must be an object.`);
  return value;
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is RequestBody {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted, so equal requests compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
