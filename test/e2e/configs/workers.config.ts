import { defineConfig } from '@stevedore/core';

/** The e2e workers config: the example worker program, one service per queue. */
const worker = {
  image: 'e2e/worker',
  cpu: 256,
  memory: 512,
  stopTimeout: 20,
  env: { RESULTS_BUCKET: 'e2e-results', RESULTS_PREFIX: 'worker-results/' },
  local: { command: ['node', '--import', 'tsx', 'examples/worker/main.ts'], cwd: '../../..' },
};

export default defineConfig({
  app: 'e2ew',
  buckets: ['e2e-results'],
  tasks: { worker, quiet: worker },
  workers: {
    work: {
      queue: 'e2e-work',
      task: 'worker',
      min: 0,
      max: 10,
      messagesPerTask: 10,
      cooldown: { scaleInSeconds: 5 },
    },
    // Three observations to leave zero: the blip test sees the blip once or twice, then deletes it,
    // with a tick (5 s) to spare before a third.
    quiet: {
      queue: 'e2e-quiet',
      task: 'quiet',
      min: 0,
      max: 2,
      messagesPerTask: 10,
      activation: { observations: 3 },
    },
  },
});
