import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, hasToken, postJson, useApi, useLive } from '../client';
import { formatDuration, formatTime, formatUsd, spanMs } from '../format';
import { StateBadge, Status } from '../parts';
import type { JobAnswer, JobRow } from '../types';
import { Timeline } from './timeline';

/*
 * One job: what it is, its attempts on one time axis, each attempt's task, exit code, stop code,
 * reason, the retry rule that decided, its cost; the history; the task's log (following while it
 * runs); Cancel and Retry.
 */

const OPEN = new Set(['SUBMITTED', 'STARTING', 'RUNNING']);
const RETRYABLE = new Set(['FAILED', 'TIMED_OUT', 'CANCELLED']);

interface LogAnswer {
  attempt: number;
  text: string;
  next: string;
  missing?: boolean;
}

export function JobPage({ jobId }: { jobId: string }) {
  const path = `/api/jobs/${encodeURIComponent(jobId)}`;
  const detail = useApi<JobAnswer>(path);
  const [message, setMessage] = useState<{ text: string; error?: boolean }>();
  const [busy, setBusy] = useState(false);
  const job = detail.data?.job;
  const attempt = job ? Math.max(0, ...Object.keys(job.attempts).map(Number)) : 0;

  const [log, setLog] = useState<{ attempt: number; text: string; next: string; missing: boolean }>();
  // Where the live feed takes the log up: set once per attempt, so new lines do not reopen the stream.
  const [logStart, setLogStart] = useState('');
  useEffect(() => {
    if (!attempt) return;
    let current = true;
    getJson<LogAnswer>(`${path}/log?attempt=${attempt}`).then((chunk) => {
      if (!current) return;
      setLog({ attempt, text: chunk.text, next: chunk.next, missing: chunk.missing ?? false });
      setLogStart(chunk.next);
    });
    return () => {
      current = false;
    };
  }, [attempt]);

  const following = job && OPEN.has(job.state) && log && log.attempt === attempt;
  const liveQuery = new URLSearchParams({ job: jobId });
  if (following) liveQuery.set('log', `${jobId}:${log.attempt}:${logStart}`);
  useLive(following ? liveQuery.toString() : `job=${encodeURIComponent(jobId)}`, {
    jobs: (changed: JobRow[]) => {
      if (changed.some((j) => j.jobId === jobId)) detail.reload();
    },
    log: (chunk: { jobId: string; attempt: number; text: string; next: string }) =>
      setLog((before) =>
        before && before.attempt === chunk.attempt
          ? { ...before, text: before.text + chunk.text, next: chunk.next, missing: false }
          : before,
      ),
  });

  const logRef = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = logRef.current;
    if (el && following) el.scrollTop = el.scrollHeight;
  }, [log?.text]);

  const act = async (verb: 'cancel' | 'retry') => {
    setBusy(true);
    try {
      const answer = await postJson<{ outcome?: string; created?: boolean; job: JobRow }>(`${path}/${verb}`);
      setMessage({
        text:
          verb === 'cancel'
            ? answer.outcome === 'stopping'
              ? 'Stopping its task: the job ends CANCELLED when the task stops, with no further attempt.'
              : `Cancel: ${answer.outcome}.`
            : `Retried as ${answer.job.jobId}.`,
      });
      detail.reload();
    } catch (e) {
      setMessage({ text: e instanceof Error ? e.message : String(e), error: true });
    } finally {
      setBusy(false);
    }
  };

  if (!job || !detail.data)
    return html`<h1>Job <span class="id">${jobId}</span></h1><${Status} error=${detail.error} loading=${true} />`;
  const { timeline, now, retry } = detail.data;
  const attempts = Object.values(job.attempts).sort((a, b) => a.attempt - b.attempt);
  // What ended attempt n and which rule decided: the entry that sent the job to attempt n + 1, or its end.
  const endReason = (n: number) =>
    job.history.find((h) => h.attempt === n + 1 && h.state === 'SUBMITTED')?.reason ??
    [...job.history].reverse().find((h) => h.attempt === n && !OPEN.has(h.state))?.reason ??
    '';
  const canAct = hasToken();
  return html`
    <div class="title-row">
      <h1>Job <span class="id">${job.jobId}</span></h1>
      <div class="actions">
        ${OPEN.has(job.state) ? html`<button type="button" class="danger" onClick=${() => act('cancel')} disabled=${busy || !canAct || Boolean(job.cancelRequested)}>Cancel</button>` : null}
        ${RETRYABLE.has(job.state) && !job.retriedBy ? html`<button type="button" onClick=${() => act('retry')} disabled=${busy || !canAct}>Retry</button>` : null}
      </div>
    </div>
    ${message ? html`<p class=${message.error ? 'error' : 'ok'} role="status">${message.text}</p>` : null}
    <dl class="facts">
      <div><dt>State</dt><dd><${StateBadge} state=${job.state} />${job.cancelRequested ? html` <span class="muted">cancel requested: ${job.cancelRequested}</span>` : null}</dd></div>
      <div><dt>Source</dt><dd>${job.kind} <a href=${`/jobs?source=${encodeURIComponent(job.source)}`}>${job.source}</a></dd></div>
      <div><dt>Task</dt><dd>${job.task}</dd></div>
      <div><dt>Attempt</dt><dd>${job.attempt} of ${job.maxAttempts}</dd></div>
      <div><dt>Created</dt><dd><time datetime=${job.createdAt}>${formatTime(job.createdAt)}</time></dd></div>
      <div><dt>Duration</dt><dd>${formatDuration(spanMs(job.createdAt, job.finishedAt, new Date(now).getTime()))}</dd></div>
      <div><dt>Cost</dt><dd>${formatUsd(job.cost.usd)} <span class="muted">(${job.cost.vcpuSeconds.toFixed(0)} vCPU-s, ${job.cost.gbSeconds.toFixed(0)} GB-s)</span></dd></div>
      ${job.reason ? html`<div class="wide"><dt>Reason</dt><dd>${job.reason}</dd></div>` : null}
      ${job.retryOf ? html`<div><dt>Retries</dt><dd><a href=${`/jobs/${encodeURIComponent(job.retryOf)}`}>${job.retryOf}</a></dd></div>` : null}
      ${job.retriedBy ? html`<div><dt>Retried by</dt><dd><a href=${`/jobs/${encodeURIComponent(job.retriedBy)}`}>${job.retriedBy}</a></dd></div>` : null}
      ${Object.entries(job.input)
        .filter(([, v]) => v !== '')
        .map(
          ([k, v]) =>
            html`<div class=${v.length > 40 ? 'wide' : ''}><dt>${k}</dt><dd class="mono">${v}</dd></div>`,
        )}
    </dl>

    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">Attempts</h2>
      <${Timeline} bars=${timeline} now=${now} />
      ${
        attempts.length > 0
          ? html`<div class="table-wrap"><table aria-label="Attempts">
          <thead><tr><th scope="col" class="num">#</th><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Capacity</th>
            <th scope="col" class="num">Exit</th><th scope="col">Stop code</th><th scope="col">Stopped reason</th><th scope="col">Decided by (retry rule)</th><th scope="col" class="num">Cost</th></tr></thead>
          <tbody>${attempts.map(
            (a) => html`<tr data-attempt=${a.attempt}>
              <td class="num">${a.attempt}</td>
              <td class="mono arn">${a.taskArn}</td>
              <td>${a.lastStatus}</td>
              <td title=${a.capacityAsked ? `asked ${a.capacityAsked} (${a.capacityReason ?? ''})` : ''}>${a.capacityProvider ?? ''}${
                a.capacityReason && a.capacityReason !== 'on-demand'
                  ? html`<br /><span class="muted">asked ${a.capacityAsked}: ${a.capacityReason}</span>`
                  : null
              }</td>
              <td class="num">${a.containers.map((c) => c.exitCode ?? '–').join(', ')}</td>
              <td>${a.stopCode ?? ''}</td>
              <td class="clip" title=${a.stoppedReason ?? ''}>${a.stoppedReason ?? ''}</td>
              <td class="decided">${endReason(a.attempt)}</td>
              <td class="num">${a.cost ? formatUsd(a.cost.usd) : ''}</td>
            </tr>`,
          )}</tbody></table></div>`
          : null
      }
      ${
        retry
          ? html`<details class="retry"><summary>Retry policy of ${job.source}</summary>
        <p>${retry.attempts} attempts at most; otherwise ${retry.otherwise}.</p>
        <ol start="0">${retry.rules.map((rule) => html`<li><code>rules[${retry.rules.indexOf(rule)}]</code> ${JSON.stringify(rule)}</li>`)}</ol>
      </details>`
          : null
      }
    </section>

    <section aria-labelledby="log-h">
      <h2 id="log-h">Log ${log ? html`<span class="muted">attempt ${log.attempt}${following ? ' · following' : ''}</span>` : null}</h2>
      ${!attempt ? html`<p class="muted">No task yet.</p>` : log?.missing ? html`<p class="muted">No log for this attempt yet.</p>` : html`<pre class="log" ref=${logRef} tabindex="0" aria-label="Task log">${log?.text ?? ''}</pre>`}
    </section>

    <section aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      <div class="table-wrap"><table aria-label="History">
        <thead><tr><th scope="col">Time</th><th scope="col">State</th><th scope="col" class="num">Attempt</th><th scope="col">Task status</th><th scope="col">Reason</th></tr></thead>
        <tbody>${job.history.map(
          (
            h,
          ) => html`<tr><td><time datetime=${h.at} title=${h.at}>${formatTime(h.at)}</time></td><td><${StateBadge} state=${h.state} /></td>
            <td class="num">${h.attempt}</td><td>${h.taskStatus ?? ''}</td><td>${h.reason ?? ''}</td></tr>`,
        )}</tbody>
      </table></div>
    </section>
  `;
}
