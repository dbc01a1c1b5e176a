/**
 * bench:coldstart — for each Lambda bundle, the time a fresh Node process takes to import it, against
 * a bare bundle of the same AWS SDK clients built the same way (esbuild options of
 * packages/deploy/src/build-functions.ts: ESM, minified, SDK bundled, the same credential alias).
 *
 *   npm run bench:coldstart [-- --runs 10]
 *
 * Which SDK packages a bundle holds is read from esbuild's metafile of the real build, so the bare
 * twin imports exactly those (`@aws-sdk/client-*`, `@aws-sdk/lib-dynamodb`) and makes one client of
 * each, as the function does over its first invocation: at import a function makes none (its
 * dependencies are built on first use, functions/lib/lambda/deployed.ts), so the twin's import does
 * the client construction the function's leaves to that invocation, and the twin holds no command or
 * its schemas, which the function's does. Runs alternate real and bare; medians. Prints each bundle's
 * size and ratio and ends with `coldstart_ratio_max=<x> bundle_kb_max=<y>` (goals: ≤ 1.2 and ≤ 400).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HANDLER_NAMES } from '@stevedore/core/events';
import { buildFunctions, functionBundleOptions } from '@stevedore/deploy';
import { build, type Metafile } from 'esbuild';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: process.env.BENCH_COLDSTART_RUNS ?? '10' } },
});
const RUNS = Number(values.runs);
const ROOT = resolve(import.meta.dirname, '..');

/** The SDK packages whose code is in a bundle (bytes in the output, not only parsed), by esbuild's metafile. */
function sdkPackages(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//.exec(input);
      if (match?.[1] && bytesInOutput > 0) found.add(match[1]);
    }
  }
  return [...found].sort();
}

const CLIENT_CLASSES: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/client-dynamodb-streams': 'DynamoDBStreamsClient',
  '@aws-sdk/client-ecs': 'ECSClient',
  '@aws-sdk/client-eventbridge': 'EventBridgeClient',
  '@aws-sdk/client-lambda': 'LambdaClient',
  '@aws-sdk/client-s3': 'S3Client',
  '@aws-sdk/client-sqs': 'SQSClient',
};

/** A module that imports each package's client and makes one, as a function's module does. */
function bareEntry(packages: string[]): string {
  const lines = packages.map((pkg, i) => {
    if (pkg === '@aws-sdk/lib-dynamodb') {
      return `import { DynamoDBDocumentClient as C${i} } from '${pkg}';`;
    }
    const name = CLIENT_CLASSES[pkg];
    if (!name) throw new Error(`bench:coldstart: no client class known for ${pkg}; add it to CLIENT_CLASSES`);
    return `import { ${name} as C${i} } from '${pkg}';`;
  });
  const makes = packages.map((pkg, i) =>
    pkg === '@aws-sdk/lib-dynamodb' ? `C${i}.from(clients[0] ?? {})` : `new C${i}({})`,
  );
  // The document client wraps a DynamoDB client: make that one first.
  const order = packages.indexOf('@aws-sdk/lib-dynamodb');
  const body =
    order < 0
      ? `export const clients = [${makes.join(', ')}];`
      : `const clients = [${makes.filter((_, i) => i !== order).join(', ')}];\nexport const all = [...clients, ${makes[order]}];`;
  return `${lines.join('\n')}\n${body}\n`;
}

/** Milliseconds a fresh Node process takes to import the file. */
function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(String(performance.now() - t));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', STEVEDORE_STAGE: 'bench' },
    encoding: 'utf8',
  });
  return Number(out);
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main() {
  const outDir = mkdtempSync(join(tmpdir(), 'stevedore-coldstart-'));
  try {
    process.stderr.write('bench:coldstart: building the function bundles...\n');
    const built = await buildFunctions({ root: ROOT, outDir: join(outDir, 'functions') });
    const rows: { handler: string; kb: number; bareKb: number; ms: number; bareMs: number; sdk: string[] }[] =
      [];
    for (const fn of built) {
      // The same build again, for its metafile (buildFunctions does not keep one).
      const { metafile } = await build({
        ...functionBundleOptions(ROOT),
        entryPoints: [join(ROOT, 'functions', `${fn.handler}.ts`)],
        outfile: join(outDir, 'metafile', fn.handler, 'index.mjs'),
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const sdk = sdkPackages(metafile);
      const bareSource = join(ROOT, 'bench', `.bare-${fn.handler}.ts`);
      writeFileSync(bareSource, bareEntry(sdk));
      const bareFile = join(outDir, 'bare', fn.handler, 'index.mjs');
      try {
        await build({ ...functionBundleOptions(ROOT), entryPoints: [bareSource], outfile: bareFile });
      } finally {
        rmSync(bareSource, { force: true });
      }
      const real: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        real.push(importMs(fn.file));
        bare.push(importMs(bareFile));
      }
      rows.push({
        handler: fn.handler,
        kb: fn.bytes / 1024,
        bareKb: statSync(bareFile).size / 1024,
        ms: median(real),
        bareMs: median(bare),
        sdk,
      });
      process.stderr.write(
        `  ${fn.handler}: ${median(real).toFixed(1)} ms vs ${median(bare).toFixed(1)} ms\n`,
      );
    }
    console.log('');
    console.log(
      `${'function'.padEnd(20)}${'bundle'.padStart(10)}${'bare'.padStart(10)}${'import'.padStart(11)}${'bare'.padStart(11)}${'ratio'.padStart(8)}  SDK`,
    );
    for (const r of rows) {
      console.log(
        `${r.handler.padEnd(20)}${`${r.kb.toFixed(0)} KB`.padStart(10)}${`${r.bareKb.toFixed(0)} KB`.padStart(10)}${`${r.ms.toFixed(1)} ms`.padStart(11)}${`${r.bareMs.toFixed(1)} ms`.padStart(11)}${(r.ms / r.bareMs).toFixed(2).padStart(8)}  ${r.sdk.join(', ')}`,
      );
    }
    console.log(`(median of ${RUNS} fresh processes each, alternating; ${HANDLER_NAMES.length} functions)`);
    const ratioMax = Math.max(...rows.map((r) => r.ms / r.bareMs));
    const kbMax = Math.max(...rows.map((r) => r.kb));
    console.log(`coldstart_ratio_max=${ratioMax.toFixed(3)} bundle_kb_max=${kbMax.toFixed(0)}`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
