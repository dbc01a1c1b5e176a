import { html } from 'htm/preact';
import { useApi } from '../client';
import { formatDuration, formatRate, formatTime, formatUsd } from '../format';
import { StateBadge, Status } from '../parts';
import type { OverviewAnswer } from '../types';

/** Per pipeline, worker and schedule: what is open, what failed, success rate, durations and cost. */
export function OverviewPage() {
  const { data, error } = useApi<OverviewAnswer>('/api/overview');
  if (!data) return html`<h1>Overview</h1><${Status} error=${error} loading=${true} />`;
  const pipelines = data.sources;
  return html`
    <h1>Overview</h1>
    <section aria-labelledby="sources-h">
      <h2 id="sources-h">Pipelines and schedules</h2>
      ${
        pipelines.length === 0
          ? html`<p class="empty">No pipelines or schedules in the config.</p>`
          : html`<div class="cards">${pipelines.map(
              (s) => html`<article class="card" aria-labelledby=${`src-${s.name}`}>
              <header><h3 id=${`src-${s.name}`}><a href=${`/jobs?source=${encodeURIComponent(s.name)}`}>${s.name}</a></h3><span class="muted">${s.kind} · ${s.task}</span></header>
              <dl class="stats">
                <div><dt>Open</dt><dd><a href=${`/jobs?source=${encodeURIComponent(s.name)}`}>${s.open}</a></dd></div>
                <div><dt>Failed, 24 h</dt><dd class=${s.failed24h > 0 ? 'bad' : ''}><a href=${`/jobs?source=${encodeURIComponent(s.name)}&state=FAILED`}>${s.failed24h}</a></dd></div>
                <div><dt>Success 24 h / 7 d</dt><dd>${formatRate(s.successRate24h)} / ${formatRate(s.successRate7d)}</dd></div>
                <div><dt>p50 / p95</dt><dd>${formatDuration(s.p50Ms) || '–'} / ${formatDuration(s.p95Ms) || '–'}</dd></div>
                <div><dt>Cost today / 7 d</dt><dd>${formatUsd(s.costTodayUsd)} / ${formatUsd(s.cost7dUsd)}</dd></div>
                <div><dt>Jobs, 7 d</dt><dd>${s.jobs7d}${s.truncated ? '+' : ''}</dd></div>
              </dl>
            </article>`,
            )}</div>`
      }
      <p class="muted small">Today is the UTC day; durations from a job's creation to its end.</p>
    </section>
    <section aria-labelledby="workers-h">
      <h2 id="workers-h">Workers</h2>
      ${
        data.workers.length === 0
          ? html`<p class="empty">No workers in the config.</p>`
          : html`<div class="table-wrap"><table aria-label="Workers">
        <thead><tr><th scope="col">Worker</th><th scope="col" class="num">Visible</th><th scope="col" class="num">In flight</th><th scope="col" class="num">Dead letters</th>
          <th scope="col" class="num">Desired</th><th scope="col" class="num">Running</th><th scope="col" class="num">Protected</th><th scope="col">Last decision</th></tr></thead>
        <tbody>${data.workers.map(
          (
            w,
          ) => html`<tr><td><a href=${`/workers/${encodeURIComponent(w.name)}`}>${w.name}</a></td><td class="num">${w.visible}</td><td class="num">${w.inFlight}</td>
            <td class=${`num${w.deadLetters > 0 ? ' bad' : ''}`}>${w.deadLetters}</td><td class="num">${w.desired}</td><td class="num">${w.running}</td><td class="num">${w.protected}</td>
            <td class="clip" title=${w.lastDecision?.reason ?? ''}>${w.lastDecision ? `${formatTime(w.lastDecision.at)} ${w.lastDecision.reason}` : ''}</td></tr>`,
        )}</tbody></table></div>`
      }
    </section>
    <section aria-labelledby="schedules-h">
      <h2 id="schedules-h">Schedules</h2>
      ${
        data.schedules.length === 0
          ? html`<p class="empty">No schedules in the config.</p>`
          : html`<div class="table-wrap"><table aria-label="Schedules">
        <thead><tr><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Last run</th><th scope="col" class="num">Missed</th></tr></thead>
        <tbody>${data.schedules.map(
          (
            s,
          ) => html`<tr><td><a href="/schedules">${s.name}</a></td><td>${s.next[0] ? html`${s.next[0]} <span class="muted">${s.timezone}</span>` : s.enabled ? '' : 'disabled'}</td>
            <td>${s.lastRuns[0] ? html`<${StateBadge} state=${s.lastRuns[0].state} /> <a href=${`/jobs/${encodeURIComponent(s.lastRuns[0].jobId)}`}>${formatTime(s.lastRuns[0].scheduledTime)}</a>` : ''}</td>
            <td class=${`num${s.missedRuns.length > 0 ? ' bad' : ''}`}>${s.missedRuns.length}</td></tr>`,
        )}</tbody></table></div>`
      }
    </section>
  `;
}
