import { defineConfig } from '@stevedore/core';

/*
 * The crash e2e config: each object under in/ is a job whose task records in $WORK_LOG (set by the
 * test, outside the state dir) when it started and when it finished its work.
 */
export default defineConfig({
  app: 'e2e-crash',
  tasks: {
    work: {
      image: 'e2e/work',
      cpu: 256,
      memory: 512,
      stopTimeout: 2,
      // Read when `stevedore dev` loads the config: the test sets them in its environment.
      env: { WORK_LOG: process.env.E2E_WORK_LOG ?? 'work.log', WORK_MS: process.env.E2E_WORK_MS ?? '1000' },
      local: { command: ['node', 'test/e2e/programs/record-work.mjs'], cwd: '../../..' },
    },
  },
  pipelines: {
    work: {
      bucket: 'e2e-crash',
      prefix: 'in/',
      task: 'work',
      timeout: 120,
      retry: { attempts: 5, backoff: { initialSeconds: 1, maxSeconds: 2 } },
    },
  },
});
