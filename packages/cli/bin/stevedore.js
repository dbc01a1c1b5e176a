#!/usr/bin/env -S node --max-semi-space-size=64
// The flag: `stevedore dev` runs every handler, the local ECS and the S3 stand-in in this one process,
// and most of what they allocate dies young (SDK requests and responses, events). V8's young
// generation of 16 MB per semi-space made the scavenger run so often that GC took 17% of the runtime's
// CPU on bench:burst; at 64 MB it took 10%. V8 reads it only at start, hence the shebang
// (test/support/dev-process.ts reads it from here, so tests and benches run the CLI the same way).
// The CLI runs as built JavaScript (dist/stevedore.mjs, made by `npm install` through the root
// `prepare` script, or `npm run build:cli`): nothing of it is compiled on each call.
import { existsSync } from 'node:fs';

const built = new URL('../dist/stevedore.mjs', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    'stevedore: the CLI is not built yet: run `npm run build:cli` (or `npm install`) in the repository\n',
  );
  process.exit(1);
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await import(built.href);
