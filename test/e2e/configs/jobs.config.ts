import { defineConfig } from '@stevedore/core';

/** The e2e config: programs under test/e2e/programs, run from the repository root. */
const node = (program: string) => ({
  command: ['node', '--import', 'tsx', `test/e2e/programs/${program}`],
  cwd: '../../..',
});

export default defineConfig({
  app: 'e2e',
  tasks: {
    echo: { image: 'e2e/echo', cpu: 256, memory: 512, local: node('echo-key.ts') },
    slow: { image: 'e2e/slow', cpu: 256, memory: 512, env: { WORK_MS: '1500' }, local: node('echo-key.ts') },
    hang: { image: 'e2e/hang', cpu: 256, memory: 512, stopTimeout: 2, local: node('hang.ts') },
    broken: {
      image: 'e2e/broken',
      cpu: 256,
      memory: 512,
      env: { EXIT_CODE: '3' },
      local: node('echo-key.ts'),
    },
    // Does nothing, fast: for bursts, where the control plane is what is measured.
    noop: { image: 'e2e/noop', cpu: 256, memory: 512, local: { command: ['node', '-e', 'process.exit(0)'] } },
  },
  pipelines: {
    echo: { bucket: 'e2e-inbox', prefix: 'echo/', task: 'echo', timeout: 120 },
    capped: { bucket: 'e2e-inbox', prefix: 'capped/', task: 'slow', concurrency: 2, timeout: 120 },
    hang: { bucket: 'e2e-inbox', prefix: 'hang/', task: 'hang', timeout: 3, retry: { attempts: 1 } },
    noop: { bucket: 'e2e-inbox', prefix: 'noop/', task: 'noop', timeout: 300 },
    broken: {
      bucket: 'e2e-inbox',
      prefix: 'broken/',
      task: 'broken',
      timeout: 120,
      retry: { attempts: 2, backoff: { initialSeconds: 1, maxSeconds: 1 } },
    },
  },
});
