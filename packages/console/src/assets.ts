import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/*
 * The pages' static assets, built with esbuild when the console starts (in memory, nothing written):
 * one script and one stylesheet, minified, kept with their gzipped form, since that is what a browser
 * gets. No CDN: everything the page loads comes from this server, so it works offline.
 */

export const WEB_DIR = join(import.meta.dirname, '..', 'web');

export interface Asset {
  path: string;
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
}

export interface Assets {
  byPath: ReadonlyMap<string, Asset>;
  /** Every asset's gzipped bytes, the page included: the budget is 250 KB. */
  gzippedBytes: number;
}

/** The most the console's assets may weigh, gzipped. */
export const ASSET_BUDGET_BYTES = 250 * 1024;

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Stevedore</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/main.css">
<script type="module" src="/assets/main.js"></script>
</head>
<body><div id="app"></div></body>
</html>
`;

/** Builds the script and stylesheet from web/, and the page that loads them. */
export async function buildAssets(): Promise<Assets> {
  const result = await build({
    entryPoints: [join(WEB_DIR, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    outdir: '/assets',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const byPath = new Map<string, Asset>();
  const add = (path: string, contentType: string, body: Buffer) =>
    byPath.set(path, { path, contentType, body, gzipped: gzipSync(body, { level: 9 }) });
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const type = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    add(`/assets/${name}`, type, Buffer.from(file.contents));
  }
  add('/index.html', 'text/html; charset=utf-8', Buffer.from(INDEX_HTML));
  const gzippedBytes = [...byPath.values()].reduce((total, asset) => total + asset.gzipped.length, 0);
  return { byPath, gzippedBytes };
}
