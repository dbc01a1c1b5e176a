#!/usr/bin/env node
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
