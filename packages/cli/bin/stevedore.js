#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, like the rest of the workspace, and so is the
// user's stevedore.config.ts it imports.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../src/main.ts');
