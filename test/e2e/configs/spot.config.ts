import { defineConfig } from '@stevedore/core';

/** The Spot e2e config: x86_64 tasks (Fargate Spot runs no arm64) on Spot with on-demand fallback. */
export default defineConfig({
  app: 'spot',
  tasks: {
    work: {
      image: 'e2e/work',
      cpu: 256,
      memory: 512,
      // Long enough to be running when an interruption comes; short stopTimeout, as Spot tasks want.
      env: { WORK_MS: '1500' },
      stopTimeout: 5,
      capacity: { spot: true, fallback: 'on-demand', spotAttempts: 2 },
      local: {
        command: ['node', '--import', 'tsx', 'test/e2e/programs/echo-key.ts'],
        cwd: '../../..',
        pullSeconds: 0.5,
      },
    },
  },
  pipelines: {
    spotty: {
      bucket: 'e2e-inbox',
      prefix: 'spot/',
      task: 'work',
      timeout: 120,
      retry: { attempts: 2, backoff: { initialSeconds: 1, maxSeconds: 2 } },
    },
  },
});
