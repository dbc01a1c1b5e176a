import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { hasToken, onLinkClick, useApi, useLocation } from './client';
import { DeadLettersPage } from './pages/dead-letters';
import { JobPage } from './pages/job';
import { JobsPage } from './pages/jobs';
import { OverviewPage } from './pages/overview';
import { SchedulesPage } from './pages/schedules';
import { WorkerPage } from './pages/worker';
import type { InfoAnswer } from './types';

/** The frame of every page: the header with the menu, then the page the path names. */
export function App() {
  const url = useLocation();
  const info = useApi<InfoAnswer>('/api/info');
  const path = url.pathname;
  const page = pageFor(path, url, info.data);
  useEffect(() => {
    document.title = `${page.title} · Stevedore`;
  }, [page.title]);
  useEffect(() => {
    document.addEventListener('click', onLinkClick);
    return () => document.removeEventListener('click', onLinkClick);
  }, []);
  const nav = [
    { href: '/', label: 'Overview', current: path === '/' },
    { href: '/jobs', label: 'Jobs', current: path.startsWith('/jobs') },
    ...(info.data?.workers ?? []).map((name) => ({
      href: `/workers/${encodeURIComponent(name)}`,
      label: `Worker ${name}`,
      current: path === `/workers/${encodeURIComponent(name)}`,
    })),
    { href: '/schedules', label: 'Schedules', current: path === '/schedules' },
    { href: '/dead-letters', label: 'Dead letters', current: path === '/dead-letters' },
  ];
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <div class="brand"><span class="logo" aria-hidden="true">⚓</span> Stevedore
        ${info.data ? html`<span class="where" title=${info.data.where}>${info.data.app} · ${info.data.where}</span>` : null}
      </div>
      <nav aria-label="Console">
        <ul>
          ${nav.map(
            (item) =>
              html`<li><a href=${item.href} aria-current=${item.current ? 'page' : undefined}>${item.label}</a></li>`,
          )}
        </ul>
      </nav>
    </header>
    ${hasToken() ? null : html`<p class="notice" role="note">Read-only: open the URL <code>stevedore</code> printed (it carries this run's secret) to cancel, retry, run or redrive.</p>`}
    <main id="main" tabindex="-1">${page.body}</main>
  `;
}

function pageFor(
  path: string,
  url: URL,
  info: InfoAnswer | undefined,
): { title: string; body: ComponentChildren } {
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  const worker = /^\/workers\/([^/]+)$/.exec(path);
  if (path === '/') return { title: 'Overview', body: html`<${OverviewPage} />` };
  if (path === '/jobs') return { title: 'Jobs', body: html`<${JobsPage} url=${url} info=${info} />` };
  if (job?.[1]) {
    const id = decodeURIComponent(job[1]);
    return { title: `Job ${id}`, body: html`<${JobPage} jobId=${id} key=${id} />` };
  }
  if (worker?.[1]) {
    const name = decodeURIComponent(worker[1]);
    return { title: `Worker ${name}`, body: html`<${WorkerPage} name=${name} key=${name} />` };
  }
  if (path === '/schedules') return { title: 'Schedules', body: html`<${SchedulesPage} />` };
  if (path === '/dead-letters') return { title: 'Dead letters', body: html`<${DeadLettersPage} />` };
  return {
    title: 'Not found',
    body: html`<h1>Not found</h1><p>No page at ${path}. <a href="/">Overview</a></p>`,
  };
}
