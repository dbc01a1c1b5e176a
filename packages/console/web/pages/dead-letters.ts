import type { DeadLetteredEvent } from '@stevedore/core/ports';
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { hasToken, postJson, useApi } from '../client';
import { formatTime } from '../format';
import { Status } from '../parts';

interface RedriveAnswer {
  delivered: number;
  failed: number;
  results: { id: string; delivered: boolean; error?: string }[];
}

/** Events a handler failed to take after all their retries, why, and Redrive. */
export function DeadLettersPage() {
  const { data, error, reload } = useApi<{ where: string; letters: DeadLetteredEvent[] }>(
    '/api/dead-letters',
  );
  const [message, setMessage] = useState<{ text: string; error?: boolean }>();
  const [busy, setBusy] = useState(false);
  const redrive = async (ids?: string[]) => {
    setBusy(true);
    try {
      const answer = await postJson<RedriveAnswer>('/api/dead-letters/redrive', ids ? { ids } : {});
      setMessage({
        text: `Redrove ${answer.results.length}: ${answer.delivered} delivered and removed, ${answer.failed} failed again and kept.`,
        error: answer.failed > 0,
      });
      reload();
    } catch (e) {
      setMessage({ text: e instanceof Error ? e.message : String(e), error: true });
    } finally {
      setBusy(false);
    }
  };
  if (!data) return html`<h1>Dead letters</h1><${Status} error=${error} loading=${true} />`;
  return html`
    <div class="title-row">
      <h1>Dead letters</h1>
      <div class="actions">
        <button type="button" onClick=${() => redrive()} disabled=${busy || !hasToken() || data.letters.length === 0}>Redrive all</button>
      </div>
    </div>
    <p class="muted">From <code>${data.where}</code>: events that failed to reach their handler after every retry.</p>
    ${message ? html`<p class=${message.error ? 'error' : 'ok'} role="status">${message.text}</p>` : null}
    ${
      data.letters.length === 0
        ? html`<p class="empty">Nothing failed to deliver.</p>`
        : html`<div class="table-wrap"><table aria-label="Dead letters, oldest first">
      <thead><tr><th scope="col">Id</th><th scope="col">Handler</th><th scope="col">Dead-lettered</th><th scope="col" class="num">Attempts</th><th scope="col">Error</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
      <tbody>${data.letters.map(
        (
          l,
        ) => html`<tr data-letter=${l.id}><td class="mono clip" title=${l.id}>${l.id}</td><td>${l.handler ?? html`<span class="muted">? (${l.target})</span>`}</td>
          <td><time datetime=${l.at} title=${l.at}>${formatTime(l.at)}</time></td><td class="num">${l.attempts ?? ''}</td>
          <td class="reason">${l.error}</td>
          <td><button type="button" class="secondary" onClick=${() => redrive([l.id])} disabled=${busy || !hasToken()} aria-label=${`Redrive ${l.id}`}>Redrive</button></td></tr>`,
      )}</tbody></table></div>`
    }
  `;
}
