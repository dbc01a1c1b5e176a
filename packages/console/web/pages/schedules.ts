import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { hasToken, postJson, useApi, useLive } from '../client';
import { formatTime } from '../format';
import { StateBadge, Status } from '../parts';
import type { ScheduleRow } from '../types';

/** Each schedule: its next runs in its own time zone, its last runs, missed runs, and Run now. */
export function SchedulesPage() {
  const { data, error, reload } = useApi<ScheduleRow[]>('/api/schedules');
  const [message, setMessage] = useState<{ name: string; text: string; error?: boolean }>();
  useLive('', { jobs: () => reload() });
  const run = async (name: string) => {
    try {
      const answer = await postJson<{ outcome: string; jobId?: string }>(
        `/api/schedules/${encodeURIComponent(name)}/run`,
      );
      setMessage({ name, text: `${answer.outcome}${answer.jobId ? ` (job ${answer.jobId})` : ''}` });
      reload();
    } catch (e) {
      setMessage({ name, text: e instanceof Error ? e.message : String(e), error: true });
    }
  };
  if (!data) return html`<h1>Schedules</h1><${Status} error=${error} loading=${true} />`;
  return html`
    <h1>Schedules</h1>
    ${data.length === 0 ? html`<p class="empty">No schedules in the config.</p>` : null}
    <div class="cards wide-cards">
      ${data.map(
        (s) => html`<article class="card schedule" aria-labelledby=${`sch-${s.name}`} data-schedule=${s.name}>
          <header>
            <h2 id=${`sch-${s.name}`}>${s.name}${s.enabled ? null : html` <span class="badge">disabled</span>`}</h2>
            <button type="button" onClick=${() => run(s.name)} disabled=${!hasToken()} aria-label=${`Run ${s.name} now (overlap ${s.overlap})`}>Run now</button>
          </header>
          <p class="muted"><code>${s.expression}</code> in ${s.timezone} · task ${s.task} · overlap <strong>${s.overlap}</strong>${s.activeJob ? html` · active run <a href=${`/jobs/${encodeURIComponent(s.activeJob)}`}>${s.activeJob}</a>` : null}</p>
          ${message?.name === s.name ? html`<p class=${message.error ? 'error' : 'ok'} role="status">Run now: ${message.text}</p>` : null}
          <div class="columns">
            <div>
              <h3>Next runs <span class="muted">(${s.timezone})</span></h3>
              ${s.next.length === 0 ? html`<p class="muted">${s.enabled ? 'none' : 'disabled'}</p>` : html`<ol class="plain">${s.next.map((t) => html`<li><time datetime=${t}>${t.replace('T', ' ')}</time></li>`)}</ol>`}
            </div>
            <div>
              <h3>Last runs</h3>
              ${
                s.lastRuns.length === 0
                  ? html`<p class="muted">none yet</p>`
                  : html`<ul class="plain">${s.lastRuns.map(
                      (r) =>
                        html`<li><${StateBadge} state=${r.state} /> <a href=${`/jobs/${encodeURIComponent(r.jobId)}`}>${formatTime(r.scheduledTime)}</a></li>`,
                    )}</ul>`
              }
            </div>
            <div>
              <h3>Missed runs</h3>
              ${
                s.missedRuns.length === 0
                  ? html`<p class="muted">none</p>`
                  : html`<ul class="plain">${s.missedRuns.map(
                      (r) =>
                        html`<li class="bad"><a href=${`/jobs/${encodeURIComponent(r.jobId)}`}>${formatTime(r.scheduledTime)}</a> <span class="muted">${r.reason}</span></li>`,
                    )}</ul>`
              }
            </div>
          </div>
        </article>`,
      )}
    </div>
  `;
}
