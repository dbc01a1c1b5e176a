/** A column of a CLI table: its header, and how to read a row's cell. */
export interface Column<T> {
  header: string;
  cell: (row: T) => string;
  /** Right-align (numbers, durations, money). */
  right?: boolean;
  /** Longest a cell may be before it is cut with an ellipsis. */
  max?: number;
  /** May be narrowed (its cells cut with an ellipsis) so the table fits its width: free text, paths. */
  shrink?: boolean;
}

/** Every table fits this many columns, the width of a terminal split in two. */
export const TABLE_WIDTH = 100;
/** A shrinking column keeps at least this many characters. */
const MIN_SHRUNK = 6;

/**
 * Renders rows as an aligned, plain-text table (no borders, two spaces between columns). When it would
 * be wider than `width`, the shrinkable columns give up characters, widest first.
 */
export function renderTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  width: number = TABLE_WIDTH,
): string {
  const full = rows.map((row) => columns.map((column) => clip(oneLine(column.cell(row)), column.max)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...full.map((r) => (r[i] ?? '').length)),
  );
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (columns.length - 1);
  while (total() > width) {
    let widest = -1;
    columns.forEach((column, i) => {
      const w = widths[i] ?? 0;
      if (
        column.shrink &&
        w > Math.max(MIN_SHRUNK, column.header.length) &&
        (widest < 0 || w > (widths[widest] ?? 0))
      )
        widest = i;
    });
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  const cells = full.map((r) => r.map((cell, i) => clip(cell, widths[i])));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (columns[i]?.right ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}

function clip(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** "3.2 s", "4 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** "1 attempt", "3 attempts". */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** This machine's time zone as a column header says it: `TIME (UTC)`, `CREATED (CET)`. */
export function zoneLabel(at = new Date()): string {
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  return zone ?? 'local time';
}

/** A header for a column of times printed by formatTime: `CREATED (UTC)`. */
export function timeHeader(header: string): string {
  return `${header} (${zoneLabel()})`;
}

/** Local time of day for today's events, date and time otherwise; its header says the zone (timeHeader). */
export function formatTime(iso: string | undefined, now = new Date()): string {
  if (!iso) return '';
  const date = new Date(iso);
  const sameDay = date.toDateString() === now.toDateString();
  const time = date.toTimeString().slice(0, 8);
  return sameDay ? time : `${date.toISOString().slice(0, 10)} ${time}`;
}

export function formatUsd(usd: number): string {
  return usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toFixed(5)}` : `$${usd.toFixed(2)}`;
}
