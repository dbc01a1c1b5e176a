import { html } from 'htm/preact';
import type { Phase, PhaseBar } from '../../src/timeline';
import { formatDuration, formatTime } from '../format';

/*
 * A job's attempts on one time axis: a row per attempt, a bar per phase (core's: waiting,
 * PROVISIONING, PENDING's image pull and start, RUNNING, stopping). Each bar is focusable and named,
 * so the picture can be read with a keyboard and a screen reader as well as looked at.
 */

/** What each phase means, in their order, for the legend and the bars' accessible names. */
const PHASE_LABELS: Record<Phase, string> = {
  waiting: 'waiting (slot or backoff)',
  provisioning: 'PROVISIONING',
  pull: 'PENDING: image pull',
  starting: 'PENDING: starting',
  running: 'RUNNING',
  stopping: 'stopping',
};

const WIDTH = 960;
const ROW = 34;
const LEFT = 92;
const RIGHT = 16;
const TOP = 8;
const AXIS = 28;

export function Timeline({ bars, now }: { bars: PhaseBar[]; now: string }) {
  if (bars.length === 0) return html`<p class="muted">No attempt has started yet.</p>`;
  const end = (bar: PhaseBar) => new Date(bar.end ?? now).getTime();
  const t0 = Math.min(...bars.map((bar) => new Date(bar.start).getTime()));
  const t1 = Math.max(t0 + 1000, ...bars.map(end));
  const attempts = [...new Set(bars.map((bar) => bar.attempt))].sort((a, b) => a - b);
  const x = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - RIGHT);
  const height = TOP + attempts.length * ROW + AXIS;
  const ticks = Array.from({ length: 5 }, (_, i) => t0 + ((t1 - t0) * i) / 4);
  return html`
    <figure class="timeline">
      <svg viewBox=${`0 0 ${WIDTH} ${height}`} role="group" aria-label=${`Attempts timeline: ${attempts.length} attempt${attempts.length === 1 ? '' : 's'} from ${formatTime(new Date(t0).toISOString())} over ${formatDuration(t1 - t0)}`}>
        ${attempts.map(
          (attempt, row) => html`
            <text class="row-label" x="4" y=${TOP + row * ROW + ROW / 2 + 4}>Attempt ${attempt}</text>
            <line class="row-line" x1=${LEFT} x2=${WIDTH - RIGHT} y1=${TOP + row * ROW + ROW / 2} y2=${TOP + row * ROW + ROW / 2} />`,
        )}
        ${ticks.map(
          (t, i) => html`
            <line class="tick" x1=${x(t)} x2=${x(t)} y1=${TOP} y2=${height - AXIS + 4} />
            <text class="tick-label" x=${x(t)} y=${height - 8} text-anchor=${i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}>${formatTime(new Date(t).toISOString())}</text>`,
        )}
        ${bars.map((bar) => {
          const row = attempts.indexOf(bar.attempt);
          const left = x(new Date(bar.start).getTime());
          const width = Math.max(3, x(end(bar)) - left);
          const label = `Attempt ${bar.attempt}, ${PHASE_LABELS[bar.phase]}: ${formatTime(bar.start)}${bar.end ? ` to ${formatTime(bar.end)}, ${formatDuration(end(bar) - new Date(bar.start).getTime())}` : ', ongoing'}`;
          return html`<rect class=${`bar phase-${bar.phase}${bar.end ? '' : ' ongoing'}`} x=${left} y=${TOP + row * ROW + 7}
            width=${width} height=${ROW - 14} rx="3" tabindex="0" role="img" aria-label=${label}
            data-attempt=${bar.attempt} data-phase=${bar.phase} data-start=${bar.start} data-end=${bar.end ?? ''}><title>${label}</title></rect>`;
        })}
      </svg>
      <figcaption class="legend">
        ${Object.entries(PHASE_LABELS).map(([phase, label]) => html`<span><i class=${`swatch phase-${phase}`} aria-hidden="true"></i>${label}</span>`)}
      </figcaption>
    </figure>
  `;
}
