import { defineConfig } from '@stevedore/core';

/**
 * The console e2e config: a pipeline whose jobs fail once and succeed on their second attempt (a
 * timeline of two attempts), one whose jobs run until cancelled, a worker, and a schedule in a zone.
 */
const node = (program: string) => ({
  command: ['node', '--import', 'tsx', `test/e2e/programs/${program}`],
  cwd: '../../..',
});

export default defineConfig({
  app: 'e2ec',
  buckets: ['e2e-console-results'],
  tasks: {
    retryOnce: { image: 'e2e/retry-once', cpu: 512, memory: 1024, local: node('retry-once.ts') },
    hang: { image: 'e2e/hang', cpu: 256, memory: 512, stopTimeout: 2, local: node('hang.ts') },
    worker: {
      image: 'e2e/worker',
      cpu: 256,
      memory: 512,
      stopTimeout: 20,
      env: { RESULTS_BUCKET: 'e2e-console-results', RESULTS_PREFIX: 'worker-results/' },
      local: { command: ['node', '--import', 'tsx', 'examples/worker/main.ts'], cwd: '../../..' },
    },
  },
  pipelines: {
    photos: {
      bucket: 'e2e-console',
      prefix: 'photos/',
      task: 'retryOnce',
      timeout: 120,
      retry: { attempts: 3, backoff: { initialSeconds: 1 } },
    },
    held: { bucket: 'e2e-console', prefix: 'held/', task: 'hang', timeout: 600, concurrency: 2 },
  },
  workers: {
    work: {
      queue: 'e2e-console-work',
      task: 'worker',
      min: 0,
      max: 4,
      messagesPerTask: 5,
      // Back to zero soon after the queue drains: the chart shows a scale-out and a scale-in.
      cooldown: { scaleInSeconds: 5 },
    },
  },
  schedules: {
    nightly: {
      expression: 'cron(30 2 * * ? *)',
      timezone: 'Europe/Paris',
      task: 'hang',
      timeout: 60,
      overlap: 'skip',
    },
  },
});
