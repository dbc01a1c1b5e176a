import { defineConfig } from '@stevedore/core';

/** The operations e2e config (cancel, retry, submit): programs under test/e2e/programs. */
const node = (program: string) => ({
  command: ['node', '--import', 'tsx', `test/e2e/programs/${program}`],
  cwd: '../../..',
});

export default defineConfig({
  app: 'e2e-ops',
  tasks: {
    hang: { image: 'e2e/hang', cpu: 256, memory: 512, stopTimeout: 2, local: node('hang.ts') },
    marked: { image: 'e2e/marked', cpu: 256, memory: 512, local: node('fail-unless-marked.ts') },
    echo: { image: 'e2e/echo', cpu: 256, memory: 512, local: node('echo-key.ts') },
  },
  pipelines: {
    // One at a time, retried at once if it fails: a cancel must still end it with no attempt 2.
    held: {
      bucket: 'e2e-ops',
      prefix: 'held/',
      task: 'hang',
      concurrency: 1,
      timeout: 300,
      retry: { attempts: 3, backoff: { initialSeconds: 0 } },
    },
    flaky: { bucket: 'e2e-ops', prefix: 'flaky/', task: 'marked', timeout: 120, retry: { attempts: 1 } },
    manual: { bucket: 'e2e-ops', prefix: 'manual/', task: 'echo', timeout: 120 },
  },
});
