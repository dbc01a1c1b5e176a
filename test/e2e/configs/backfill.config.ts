import { defineConfig } from '@stevedore/core';

/*
 * The backfill and redrive e2e config. With E2E_BACKFILL_PIPELINE unset, the bucket exists and no
 * pipeline watches it (objects land with no job); set, the `photos` pipeline watches `photos/*.jpg`,
 * as when a pipeline is added for objects already there.
 */
export default defineConfig({
  app: 'e2e-backfill',
  tasks: {
    noop: { image: 'e2e/noop', cpu: 256, memory: 512, local: { command: ['node', '-e', 'process.exit(0)'] } },
  },
  buckets: ['e2e-backfill'],
  pipelines: process.env.E2E_BACKFILL_PIPELINE
    ? {
        photos: {
          bucket: 'e2e-backfill',
          prefix: 'photos/',
          suffix: '.jpg',
          task: 'noop',
          concurrency: 5,
          timeout: 120,
        },
      }
    : {},
});
