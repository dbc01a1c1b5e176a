import { html } from 'htm/preact';

/** A job state as a coloured label (the text says it; the colour only helps). */
export function StateBadge({ state }: { state: string }) {
  return html`<span class=${`badge state-${state.toLowerCase()}`}>${state}</span>`;
}

/** A loading or error line for a page's data. */
export function Status({ error, loading }: { error?: string | undefined; loading?: boolean }) {
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (loading) return html`<p class="muted" aria-live="polite">Loading…</p>`;
  return null;
}
