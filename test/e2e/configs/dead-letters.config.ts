import { defineConfig } from '@stevedore/core';

/** The e2e dead-letter config: the example worker program, its queue with the default maxReceiveCount (5). */
export default defineConfig({
  app: 'e2edl',
  buckets: ['e2e-dl-results'],
  tasks: {
    worker: {
      image: 'e2e/worker',
      cpu: 256,
      memory: 512,
      stopTimeout: 20,
      env: { RESULTS_BUCKET: 'e2e-dl-results', RESULTS_PREFIX: 'worker-results/' },
      local: { command: ['node', '--import', 'tsx', 'examples/worker/main.ts'], cwd: '../../..' },
    },
  },
  workers: {
    work: {
      queue: 'e2e-dl-work',
      task: 'worker',
      min: 0,
      max: 10,
      messagesPerTask: 10,
      cooldown: { scaleInSeconds: 5 },
    },
  },
});
