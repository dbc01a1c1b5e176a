import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, navigate, useLive } from '../client';
import { formatDuration, formatTime, formatUsd, spanMs } from '../format';
import { StateBadge, Status } from '../parts';
import type { InfoAnswer, JobRow, JobsAnswer } from '../types';

/*
 * The jobs table, newest first (in object key order for a key prefix): filters kept in the URL (so a link shares them), a page at a time
 * through the ledger's listing ("Load more" follows its cursor), rows updated live as jobs move.
 */

const FILTERS = ['source', 'state', 'since', 'until', 'prefix'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

function filtersOf(url: URL): Filters {
  const filters: Filters = {};
  for (const key of FILTERS) {
    const value = url.searchParams.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

function matches(job: JobRow, f: Filters): boolean {
  if (f.source && job.source !== f.source) return false;
  if (f.state && job.state !== f.state) return false;
  if (f.since && job.createdAt < new Date(f.since).toISOString()) return false;
  if (f.until && job.createdAt > new Date(f.until).toISOString()) return false;
  if (f.prefix && !(job.input.S3_KEY ?? '').startsWith(f.prefix)) return false;
  return true;
}

/** datetime-local wants local wall time without a zone. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function JobsPage({ url, info }: { url: URL; info: InfoAnswer | undefined }) {
  const filters = filtersOf(url);
  const query = new URLSearchParams(filters as Record<string, string>).toString();
  const [rows, setRows] = useState<JobRow[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [examined, setExamined] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const rendered = useRef(false);

  const load = async (from?: string) => {
    setLoading(true);
    try {
      const params = new URLSearchParams(query);
      params.set('limit', '50');
      if (from) params.set('cursor', from);
      const page = await getJson<JobsAnswer>(`/api/jobs?${params}`);
      setRows((before) => (from ? [...before, ...page.jobs] : page.jobs));
      setCursor(page.cursor);
      setExamined((before) => (from ? before : 0) + page.examined);
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load();
  }, [query]);
  useEffect(() => {
    // The first paint with the ledger's rows: the browser test reads this mark.
    if (!rendered.current && !loading && !error) {
      rendered.current = true;
      performance.mark('stevedore:jobs-rendered');
    }
  }, [loading, rows]);

  useLive('', {
    jobs: (changed: JobRow[]) =>
      setRows((current) => {
        const byId = new Map(current.map((job, i) => [job.jobId, i]));
        const next = [...current];
        const fresh: JobRow[] = [];
        for (const job of changed) {
          const at = byId.get(job.jobId);
          if (at !== undefined) next[at] = job;
          // A new job goes on top of a newest-first table; a key prefix lists in key order, where the top is no place for it.
          else if (
            !filters.prefix &&
            matches(job, filters) &&
            (next.length === 0 || job.createdAt >= (next[0]?.createdAt ?? ''))
          ) {
            fresh.push(job);
          }
        }
        fresh.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
        return [...fresh, ...next];
      }),
  });

  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const params = new URLSearchParams();
    for (const key of FILTERS) {
      const value = String(form.get(key) ?? '').trim();
      if (!value) continue;
      params.set(key, key === 'since' || key === 'until' ? new Date(value).toISOString() : value);
    }
    navigate(`/jobs${params.size > 0 ? `?${params}` : ''}`);
  };
  const now = Date.now();
  return html`
    <h1>Jobs</h1>
    <form class="filters" onSubmit=${apply} aria-label="Filter jobs" key=${query}>
      <label>Pipeline or schedule
        <select name="source" value=${filters.source ?? ''}>
          <option value="">All</option>
          ${(info?.sources ?? []).map((s) => html`<option value=${s.name}>${s.name} (${s.kind})</option>`)}
        </select>
      </label>
      <label>State
        <select name="state" value=${filters.state ?? ''}>
          <option value="">Any</option>
          ${(info?.states ?? []).map((state) => html`<option value=${state}>${state}</option>`)}
        </select>
      </label>
      <label>Created from <input type="datetime-local" name="since" value=${toLocalInput(filters.since)} /></label>
      <label>until <input type="datetime-local" name="until" value=${toLocalInput(filters.until)} /></label>
      <label>Key prefix <input type="search" name="prefix" value=${filters.prefix ?? ''} placeholder="uploads/2026/" /></label>
      <button type="submit">Apply</button>
      ${query ? html`<a class="button secondary" href="/jobs">Clear</a>` : null}
    </form>
    <${Status} error=${error} loading=${loading && rows.length === 0} />
    <div class="table-wrap">
      <table class="jobs" aria-label=${filters.prefix ? 'Jobs, in object key order' : 'Jobs, newest first'} aria-busy=${loading}>
        <thead>
          <tr><th scope="col">Job</th><th scope="col">State</th><th scope="col" class="num">Attempt</th>
            <th scope="col">Created</th><th scope="col" class="num">Duration</th><th scope="col" class="num">Cost</th>
            <th scope="col">Input</th><th scope="col">Reason</th></tr>
        </thead>
        <tbody>
          ${rows.map(
            (job) => html`<tr data-job-id=${job.jobId} data-state=${job.state}>
              <td class="id"><a href=${`/jobs/${encodeURIComponent(job.jobId)}`}>${job.jobId}</a></td>
              <td><${StateBadge} state=${job.state} /></td>
              <td class="num">${job.attempt}/${job.maxAttempts}</td>
              <td><time datetime=${job.createdAt} title=${job.createdAt}>${formatTime(job.createdAt)}</time></td>
              <td class="num">${formatDuration(spanMs(job.createdAt, job.finishedAt, now))}</td>
              <td class="num">${formatUsd(job.cost.usd)}</td>
              <td class="clip" title=${job.input.S3_KEY ?? ''}>${job.input.S3_KEY ?? job.input.STEVEDORE_SCHEDULED_TIME ?? ''}</td>
              <td class="clip reason" title=${job.reason ?? ''}>${job.reason ?? ''}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${
      !loading && rows.length === 0 && !error
        ? html`<p class="empty">${
            cursor
              ? `None of the ${examined} jobs read so far match these filters: Load more reads further.`
              : `No jobs${query ? ' match these filters' : ' yet'}.`
          }</p>`
        : null
    }
    <p class="pager">
      ${cursor ? html`<button type="button" onClick=${() => load(cursor)} disabled=${loading}>Load more</button>` : null}
      <span class="muted">${rows.length} shown${cursor ? `; ${examined} read from the ledger so far` : ''}</span>
    </p>
  `;
}
