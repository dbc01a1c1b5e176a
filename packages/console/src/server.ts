import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@stevedore/core/ports';
import * as api from './api';
import { type Assets, buildAssets } from './assets';
import type { ConsoleBackend } from './backend';
import { ConsoleError, ConsoleForbiddenError, ConsoleRequestError } from './errors';
import { LiveFeed, type Subscriber } from './live-feed';

/*
 * The console's server: the pages, the JSON API and the live feed, on 127.0.0.1 only.
 *
 * Who may do what: reads answer only requests addressed to this server by name (the Host header), so
 * a web page cannot read them through a DNS name rebound to 127.0.0.1. Actions (cancel, retry, run a
 * schedule, redrive) also need the per-run secret, which only the printed URL carries (the page keeps
 * it in its own storage and sends it in a header), and an Origin of this server: another local user
 * without the URL, or a page the user visits, cannot drive them.
 */

export const TOKEN_HEADER = 'x-stevedore-token';
const MAX_BODY_BYTES = 64 * 1024;

export interface ConsoleServerOptions {
  /** Port on 127.0.0.1 (0, the default: any free port). */
  port?: number;
  /** What the console shows; may be attached later (`stevedore dev` starts it before its runtime). */
  backend?: ConsoleBackend;
  /** The actions' secret (default: 24 random bytes). */
  token?: string;
  /** Live feed period (default 1 s). */
  liveIntervalMs?: number;
  logger: Logger;
}

export interface ConsoleServer {
  /** The URL to print: the overview, with the secret. */
  url: string;
  origin: string;
  token: string;
  assets: Assets;
  attach(backend: ConsoleBackend): void;
  close(): Promise<void>;
}

/** Builds the assets and listens on 127.0.0.1. */
export async function startConsole(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const assets = await buildAssets();
  const token = options.token ?? randomBytes(24).toString('base64url');
  let backend = options.backend;
  let feed: LiveFeed | undefined;
  const feedOf = (b: ConsoleBackend) => {
    feed ??= new LiveFeed(b, {
      intervalMs: options.liveIntervalMs ?? 1000,
      workerStatus: (name) => api.workerStatus(b, name),
      onError: (error) => options.logger.warn('console live feed', { error: String(error) }),
    });
    return feed;
  };
  const hosts = new Set<string>();
  const origins = new Set<string>();
  const streams = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => answerError(res, error, options.logger));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hosts.has(req.headers.host ?? '')) {
      throw new ConsoleForbiddenError('this server answers only as 127.0.0.1 or localhost');
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (!path.startsWith('/api/')) return servePage(req, res, path, assets);
    if (!backend) throw new ConsoleError('the console is starting: try again in a moment', 503);
    const b = backend;
    if (req.method === 'POST') {
      checkAction(req, token, origins);
      const body = await readJson(req);
      return answerJson(res, await action(b, path, body));
    }
    if (req.method !== 'GET') throw new ConsoleError(`${req.method} is not allowed`, 405);
    if (path === '/api/events') return openStream(req, res, url.searchParams, feedOf(b), streams);
    return answerJson(res, await read(b, path, url.searchParams));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  for (const name of ['127.0.0.1', 'localhost']) {
    hosts.add(`${name}:${port}`);
    origins.add(`http://${name}:${port}`);
  }
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    assets,
    attach: (attached) => {
      backend = attached;
    },
    close: async () => {
      feed?.close();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The routes that read. */
async function read(backend: ConsoleBackend, path: string, params: URLSearchParams): Promise<unknown> {
  const parts = path.split('/').slice(2).map(decodeURIComponent);
  const [section, name, sub] = parts;
  switch (section) {
    case 'info':
      return api.info(backend);
    case 'overview':
      return api.overviewJson(backend);
    case 'jobs':
      if (!name) return api.jobsJson(backend, params);
      if (sub === 'log') return api.jobLog(backend, name, params);
      if (!sub) return api.jobDetail(backend, name);
      break;
    case 'workers':
      if (name && !sub) return api.workerJson(backend, name, params);
      break;
    case 'schedules':
      if (!name) return api.schedulesJson(backend);
      break;
    case 'dead-letters':
      if (!name) return api.deadLettersJson(backend);
      break;
  }
  throw new ConsoleRequestError(`no such API route: ${path}`, 404);
}

/** The routes that act. */
async function action(
  backend: ConsoleBackend,
  path: string,
  body: Record<string, unknown>,
): Promise<unknown> {
  const [section, name, verb] = path.split('/').slice(2).map(decodeURIComponent);
  if (section === 'jobs' && name && verb === 'cancel') return api.cancel(backend, name, body);
  if (section === 'jobs' && name && verb === 'retry') return api.retry(backend, name);
  if (section === 'schedules' && name && verb === 'run') return api.runSchedule(backend, name);
  if (section === 'dead-letters' && name === 'redrive' && !verb) return api.redriveJson(backend, body);
  throw new ConsoleRequestError(`no such action: POST ${path}`, 404);
}

/** An action needs this server's Origin and the run's secret. */
export function checkAction(req: IncomingMessage, token: string, origins: ReadonlySet<string>): void {
  const origin = req.headers.origin;
  if (!origin || !origins.has(origin)) {
    throw new ConsoleForbiddenError(
      `actions are taken only from the console's own page (Origin ${origin ?? 'missing'})`,
    );
  }
  const given = Buffer.from(String(req.headers[TOKEN_HEADER] ?? ''));
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ConsoleForbiddenError(
      'this action needs the secret of the URL stevedore printed: open that URL',
    );
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ConsoleRequestError('request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    throw new ConsoleRequestError('the request body is not JSON', 400, { cause: error });
  }
  throw new ConsoleRequestError('the request body must be a JSON object');
}

const PAGE_ROUTES = [
  /^\/$/,
  /^\/jobs$/,
  /^\/jobs\/[^/]+$/,
  /^\/workers\/[^/]+$/,
  /^\/schedules$/,
  /^\/dead-letters$/,
];

function servePage(req: IncomingMessage, res: ServerResponse, path: string, assets: Assets): void {
  const asset = assets.byPath.get(PAGE_ROUTES.some((route) => route.test(path)) ? '/index.html' : path);
  if (!asset || req.method !== 'GET') throw new ConsoleRequestError(`not found: ${path}`, 404);
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  res.writeHead(200, {
    'content-type': asset.contentType,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    // Only what this server serves: no CDN, no inline script, no framing by another page.
    'content-security-policy':
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    vary: 'accept-encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(gzip ? asset.gzipped : asset.body);
}

/** Server-sent events for one page: what it shows (?job=, ?worker=, ?log=<jobId>:<attempt>:<from>). */
function openStream(
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
  feed: LiveFeed,
  streams: Set<ServerResponse>,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.write('retry: 2000\n\n');
  const logParam = params.get('log');
  const [logJob, logAttempt, ...logFrom] = logParam ? logParam.split(':') : [];
  const subscriber: Subscriber = {
    jobs: new Set(params.getAll('job')),
    workers: new Set(params.getAll('worker')),
    ...(logJob && logAttempt
      ? { log: { jobId: logJob, attempt: Number(logAttempt), from: logFrom.join(':') } }
      : {}),
    send: (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
  };
  const unsubscribe = feed.subscribe(subscriber);
  streams.add(res);
  // A comment now and then keeps proxies and idle timers from closing a quiet stream.
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
    streams.delete(res);
  });
}

function answerJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

function answerError(res: ServerResponse, error: unknown, logger: Logger): void {
  const status = error instanceof ConsoleError ? error.status : 500;
  const message = error instanceof Error ? error.message : String(error);
  if (status >= 500) logger.error('console request failed', { error: message });
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: message }));
}
