import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/*
 * DynamoDB's item size, by the rules AWS bills with (DynamoDB developer guide, "Item sizes and
 * formats"): an attribute is its name's UTF-8 length plus its value's size; a string is its UTF-8
 * length, a number about one byte per two significant digits plus one, binary its length, a boolean
 * or null one byte, a list or map 3 bytes plus one per element plus the elements (a map's keys count
 * as names), a set the sum of its members.
 */

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Size of a number as DynamoDB stores it: (significant digits / 2, rounded up) + 1. */
export function numberSize(n: string): number {
  const digits = n.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
}

/** Size of one attribute value. */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.length, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + valueSize(v), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + utf8(k) + valueSize(v), 0);
  return 0;
}

/** Size of an item in bytes (0 for none). */
export function itemSize(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((n, [name, value]) => n + utf8(name) + valueSize(value), 0);
}

/** Write request units of a write touching an item of this many bytes (1 KB each, rounded up, at least 1). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** Read request units for this many bytes read (4 KB each, rounded up, at least 1; half when eventually consistent). */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}
