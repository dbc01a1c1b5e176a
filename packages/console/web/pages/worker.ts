import type { DecisionRecord } from '@stevedore/core/ports';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { useApi, useLive } from '../client';
import { formatTime } from '../format';
import { Status } from '../parts';
import type { WorkerAnswer, WorkerStatus } from '../types';

/*
 * A worker over time: its queue (visible, in flight) against its tasks (desired, running, protected),
 * one point per scaling decision, each decision that changed the count marked, its reason on hover;
 * the decision table below holds the same figures for reading.
 */

export const SERIES = [
  { key: 'visible', label: 'Visible messages', color: '#2563eb' },
  { key: 'inFlight', label: 'In-flight messages', color: '#0891b2' },
  { key: 'desired', label: 'Desired tasks', color: '#d97706' },
  { key: 'running', label: 'Running tasks', color: '#16a34a' },
  { key: 'protected', label: 'Protected tasks', color: '#9333ea' },
] as const;

/** The chart's columns from decisions, oldest first: x in seconds, then one array per series. */
export function chartData(decisions: readonly DecisionRecord[]): number[][] {
  const ordered = [...decisions].sort((a, b) => (a.at < b.at ? -1 : 1));
  return [
    ordered.map((d) => new Date(d.at).getTime() / 1000),
    ordered.map((d) => d.observation.visible),
    ordered.map((d) => d.observation.inFlight),
    ordered.map((d) => d.desired),
    ordered.map((d) => d.observation.running),
    ordered.map((d) => d.observation.protected),
  ];
}

export function WorkerPage({ name }: { name: string }) {
  const answer = useApi<WorkerAnswer>(`/api/workers/${encodeURIComponent(name)}?limit=500`);
  const [decisions, setDecisions] = useState<DecisionRecord[]>([]);
  const [status, setStatus] = useState<WorkerStatus>();
  useEffect(() => {
    if (!answer.data) return;
    setDecisions(answer.data.decisions);
    setStatus(answer.data.status);
  }, [answer.data]);
  useLive(`worker=${encodeURIComponent(name)}`, {
    worker: (now: WorkerStatus) => {
      setStatus(now);
      const last = now.lastDecision;
      if (last) setDecisions((before) => (before.some((d) => d.at === last.at) ? before : [last, ...before]));
    },
  });
  if (!status) return html`<h1>Worker ${name}</h1><${Status} error=${answer.error} loading=${true} />`;
  return html`
    <h1>Worker ${name}</h1>
    <dl class="facts">
      <div><dt>Queue</dt><dd class="mono">${status.queue}</dd></div>
      <div><dt>Visible</dt><dd>${status.visible}</dd></div>
      <div><dt>In flight</dt><dd>${status.inFlight}</dd></div>
      <div><dt>Dead letters</dt><dd class=${status.deadLetters > 0 ? 'warn' : ''}>${status.deadLetters}</dd></div>
      <div><dt>Tasks</dt><dd>${status.running} running of ${status.desired} desired, ${status.protected} protected <span class="muted">(${status.min}..${status.max})</span></dd></div>
      ${status.lastDecision ? html`<div class="wide"><dt>Last decision</dt><dd>${formatTime(status.lastDecision.at)}: ${status.lastDecision.reason}</dd></div>` : null}
    </dl>
    <${WorkerChart} decisions=${decisions} />
    <h2>Decisions</h2>
    ${
      decisions.length === 0
        ? html`<p class="empty">No decisions yet.</p>`
        : html`<div class="table-wrap"><table aria-label="Scaling decisions, newest first" class="decisions">
      <thead><tr><th scope="col">Time</th><th scope="col" class="num">Visible</th><th scope="col" class="num">In flight</th>
        <th scope="col" class="num">Running</th><th scope="col" class="num">Protected</th><th scope="col" class="num">Desired</th><th scope="col">Reason</th></tr></thead>
      <tbody>${decisions.map(
        (
          d,
        ) => html`<tr class=${d.change ? 'change' : ''}><td><time datetime=${d.at} title=${d.at}>${formatTime(d.at)}</time></td>
          <td class="num">${d.observation.visible}</td><td class="num">${d.observation.inFlight}</td>
          <td class="num">${d.observation.running}</td><td class="num">${d.observation.protected}</td>
          <td class="num">${d.change ? `${d.previous} → ${d.desired}` : d.desired}</td><td>${d.reason}</td></tr>`,
      )}</tbody></table></div>`
    }
  `;
}

function WorkerChart({ decisions }: { decisions: DecisionRecord[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const [hover, setHover] = useState<DecisionRecord>();
  const ordered = [...decisions].sort((a, b) => (a.at < b.at ? -1 : 1));
  const data = chartData(ordered);
  // What the chart's hooks read: the latest decisions, not those of the render that made the chart.
  const latest = useRef({ ordered, data });
  latest.current = { ordered, data };

  // The chart is made once and given new data as decisions arrive live: made anew, it would drop the
  // cursor, and with it the reason shown under a reader's pointer.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const axis = { stroke: dark ? '#cbd5e1' : '#334155', grid: { stroke: dark ? '#334155' : '#e2e8f0' } };
    const marks: uPlot.Plugin = {
      hooks: {
        // Each decision that changed the count, as a dashed line across the chart.
        draw: [
          (u) => {
            const { ordered, data } = latest.current;
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = dark ? '#f59e0b' : '#b45309';
            ctx.setLineDash([4, 4]);
            ctx.lineWidth = 1;
            ordered.forEach((d, i) => {
              if (!d.change) return;
              const x = u.valToPos(data[0]?.[i] ?? 0, 'x', true);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
            });
            ctx.restore();
          },
        ],
        setCursor: [
          (u) => {
            const index = u.cursor.idx;
            setHover(index === null || index === undefined ? undefined : latest.current.ordered[index]);
          },
        ],
      },
    };
    // Counts hold until the next decision: steps, not slopes.
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const options: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: 300,
      plugins: [marks],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [axis, { ...axis, label: 'messages / tasks' }],
      series: [
        {},
        ...SERIES.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          ...(stepped ? { paths: stepped } : {}),
        })),
      ],
    };
    plot.current = new uPlot(options, latest.current.data as uPlot.AlignedData, el);
    const resize = () => plot.current?.setSize({ width: Math.max(320, el.clientWidth), height: 300 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [decisions]);

  const label = `Chart of visible and in-flight messages and desired, running and protected tasks over ${decisions.length} scaling decisions; dashed lines mark decisions that changed the desired count. The decisions table below holds the same figures.`;
  return html`
    <figure class="chart">
      <div ref=${box} role="img" aria-label=${label} data-series=${JSON.stringify(data)}></div>
      <figcaption aria-live="polite" class="hover">
        ${hover ? html`<strong>${formatTime(hover.at)}</strong> desired ${hover.change ? `${hover.previous} → ${hover.desired}` : hover.desired}: ${hover.reason}` : html`<span class="muted">Hover the chart for each decision's reason.</span>`}
      </figcaption>
    </figure>
  `;
}
