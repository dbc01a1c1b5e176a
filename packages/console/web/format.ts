/** How the pages write times, durations and money. */

export function formatTime(iso: string | undefined | null, now = new Date()): string {
  if (!iso) return '';
  const date = new Date(iso);
  const time = date.toLocaleTimeString(undefined, { hour12: false });
  if (date.toDateString() === now.toDateString()) return time;
  return `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} m`;
}

export function formatUsd(usd: number): string {
  return usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toFixed(5)}` : `$${usd.toFixed(2)}`;
}

export function formatRate(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 100)}%`;
}

/** From an ISO time to the end (or now). */
export function spanMs(start: string | undefined, end: string | undefined, now = Date.now()): number {
  if (!start) return Number.NaN;
  return (end ? new Date(end).getTime() : now) - new Date(start).getTime();
}
