import {
  type AttemptPhases,
  CAPACITY_REASON_TEXT,
  PHASES,
  type Phase,
  type SourceStats,
} from '@stevedore/core/job';
import { formatDuration, formatUsd, renderTable } from './table';

/*
 * Where each attempt's time went, drawn for a terminal: one bar per phase, all on one scale, so the
 * minute a task sat in provisioning stands out next to a three-second run.
 */

/** Widest bar, in characters. */
const BAR_WIDTH = 40;
const PHASE_LABELS: Record<Phase, string> = {
  waiting: 'waiting',
  provisioning: 'provisioning',
  pull: 'image pull',
  starting: 'starting',
  running: 'running',
  stopping: 'stopping',
};
const LABEL_WIDTH = Math.max(...Object.values(PHASE_LABELS).map((label) => label.length));

/** A bar of `seconds` on a scale where `scale` seconds fill BAR_WIDTH: eighths of a block, never empty when > 0. */
export function bar(seconds: number, scale: number): string {
  if (scale <= 0 || seconds <= 0) return '';
  const eighths = Math.max(1, Math.round((seconds / scale) * BAR_WIDTH * 8));
  const partial = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8] ?? '';
  return `${'█'.repeat(Math.floor(eighths / 8))}${partial}`;
}

/** The capacity line of an attempt: what ran it, what was asked and why, and its platform version. */
export function capacityLine(attempt: AttemptPhases): string {
  const ran = attempt.capacityProvider ?? 'unknown capacity';
  const asked =
    attempt.capacityAsked && attempt.capacityReason
      ? ` (asked ${attempt.capacityAsked}: ${CAPACITY_REASON_TEXT[attempt.capacityReason]})`
      : '';
  const platform = attempt.platformVersion ? `, platform ${attempt.platformVersion}` : '';
  return `attempt ${attempt.attempt}  ${ran}${asked}${platform}${attempt.open ? ', still going' : ''}`;
}

/** Every attempt's phases as bar charts on one scale (the longest phase of any attempt fills a bar). */
export function renderPhases(attempts: readonly AttemptPhases[]): string {
  const scale = Math.max(0, ...attempts.flatMap((a) => Object.values(a.seconds)));
  return attempts
    .map((attempt) => {
      const lines = PHASES.flatMap((phase) => {
        const seconds = attempt.seconds[phase];
        if (seconds === undefined) return [];
        const duration = formatDuration(seconds * 1000).padStart(8);
        return [`  ${PHASE_LABELS[phase].padEnd(LABEL_WIDTH)} ${duration}  ${bar(seconds, scale)}`.trimEnd()];
      });
      return [capacityLine(attempt), ...lines].join('\n');
    })
    .join('\n\n');
}

/** `pipelines stats` as text: the totals, then p50/p95/max of each phase. */
export function renderStats(stats: SourceStats): string {
  const states = Object.entries(stats.states)
    .map(([state, count]) => `${count} ${state}`)
    .join(', ');
  const count = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([key, n]) => `${key} ${n}`)
      .join(', ') || 'none';
  const facts: [string, string][] = [
    ['source', stats.source],
    ['since', stats.since],
    ['jobs', `${stats.jobs}${states ? ` (${states})` : ''}`],
    [
      'success rate',
      stats.successRate === undefined ? 'no finished jobs' : `${(stats.successRate * 100).toFixed(1)} %`,
    ],
    ['attempts', String(stats.attempts)],
    ['ran on', count(stats.capacity)],
    ['capacity why', count(stats.capacityReasons)],
    [
      'cost',
      `${formatUsd(stats.cost.usd)} (${stats.cost.vcpuSeconds.toFixed(0)} vCPU-s, ${stats.cost.gbSeconds.toFixed(0)} GB-s)`,
    ],
  ];
  const width = Math.max(...facts.map(([key]) => key.length));
  const head = facts.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
  const rows = PHASES.flatMap((phase) => {
    const summary = stats.phases[phase];
    return summary ? [{ phase, ...summary }] : [];
  });
  if (rows.length === 0) return `${head}\n`;
  const seconds = (value: number) => formatDuration(value * 1000);
  const table = renderTable(rows, [
    { header: 'PHASE', cell: (r) => PHASE_LABELS[r.phase] },
    { header: 'ATTEMPTS', cell: (r) => String(r.count), right: true },
    { header: 'P50', cell: (r) => seconds(r.p50), right: true },
    { header: 'P95', cell: (r) => seconds(r.p95), right: true },
    { header: 'MAX', cell: (r) => seconds(r.max), right: true },
  ]);
  return `${head}\n\n${table}\n`;
}
