import { parseCsv } from './csv';

export interface ColumnSummary {
  name: string;
  filled: number;
  distinct: number;
  numeric?: { min: number; max: number; mean: number; sum: number };
}

export interface Summary {
  format: 'csv' | 'json';
  records: number;
  columns: ColumnSummary[];
}

/** Summarizes a CSV file (header row first) or a JSON array of objects. */
export function summarize(format: 'csv' | 'json', text: string): Summary {
  const records = format === 'csv' ? csvRecords(text) : jsonRecords(text);
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const columns = names.map((name) =>
    summarizeColumn(
      name,
      records.map((r) => r[name]),
    ),
  );
  return { format, records: records.length, columns };
}

function csvRecords(text: string): Record<string, unknown>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}

function jsonRecords(text: string): Record<string, unknown>[] {
  const value: unknown = JSON.parse(text);
  const list = Array.isArray(value) ? value : [value];
  return list.filter(
    (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v),
  );
}

function summarizeColumn(name: string, values: unknown[]): ColumnSummary {
  const filled = values.filter((v) => v !== undefined && v !== null && v !== '');
  const numbers = filled
    .map((v) => (typeof v === 'number' ? v : Number(v)))
    .filter((n) => Number.isFinite(n));
  const summary: ColumnSummary = {
    name,
    filled: filled.length,
    distinct: new Set(filled.map((v) => JSON.stringify(v))).size,
  };
  if (numbers.length > 0 && numbers.length === filled.length) {
    const sum = numbers.reduce((a, b) => a + b, 0);
    summary.numeric = {
      min: Math.min(...numbers),
      max: Math.max(...numbers),
      mean: Math.round((sum / numbers.length) * 1000) / 1000,
      sum,
    };
  }
  return summary;
}
