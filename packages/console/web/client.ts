import { useEffect, useState } from 'preact/hooks';
import type { LiveEvents } from './types';

/*
 * The page's side of the API: reads (GET), actions (POST with the run's secret) and the live feed
 * (one EventSource per page). The secret comes in the printed URL (?token=); it is kept in this
 * origin's storage and taken out of the address bar, so a link copied from the page never carries it.
 */

const TOKEN_KEY = 'stevedore-console-token';

function captureToken(): void {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (!token) return;
  localStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}
captureToken();

export function hasToken(): boolean {
  return localStorage.getItem(TOKEN_KEY) !== null;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok)
    throw new ApiError(body.error ?? `${response.status} ${response.statusText}`, response.status);
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-stevedore-token': localStorage.getItem(TOKEN_KEY) ?? '',
      },
      body: JSON.stringify(body),
    }),
  );
}

/** Loads `path` (again whenever it changes); `reload` fetches it anew. */
export function useApi<T>(path: string | null): {
  data: T | undefined;
  error: string | undefined;
  reload(): void;
  set(data: T): void;
} {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!path) return;
    let current = true;
    getJson<T>(path).then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(undefined);
      },
      (e: unknown) => current && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      current = false;
    };
  }, [path, round]);
  return { data, error, reload: () => setRound((r) => r + 1), set: setData };
}

/** The live feed for this page: `handlers` per event name, the stream opened with `query`. */
export function useLive(
  query: string,
  handlers: { [E in keyof LiveEvents]?: (data: LiveEvents[E]) => void },
): void {
  useEffect(() => {
    const source = new EventSource(`/api/events${query ? `?${query}` : ''}`);
    for (const [event, handle] of Object.entries(handlers) as [string, (data: unknown) => void][]) {
      source.addEventListener(event, (message) => handle(JSON.parse((message as MessageEvent<string>).data)));
    }
    return () => source.close();
    // handlers are read when the stream opens; the query decides when it reopens.
  }, [query]);
}

/** The current path and query, kept in step with links and the back button. */
export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const update = () => setUrl(new URL(location.href));
    addEventListener('popstate', update);
    addEventListener('stevedore:navigate', update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener('stevedore:navigate', update);
    };
  }, []);
  return url;
}

/** Goes to a page of the console without reloading it. */
export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  dispatchEvent(new Event('stevedore:navigate'));
  if (!replace) scrollTo(0, 0);
}

/** Same-page links: a plain left click navigates in place; other clicks keep the browser's ways. */
export function onLinkClick(event: MouseEvent): void {
  const link = (event.target as Element).closest('a');
  if (!link || link.target || link.origin !== location.origin) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (link.pathname.startsWith('/api/')) return;
  event.preventDefault();
  navigate(link.pathname + link.search);
}
