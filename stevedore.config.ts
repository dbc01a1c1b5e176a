import { defineConfig } from '@stevedore/core';

/**
 * The example app. `npm start` runs it on the local runtime; `npx sst deploy` deploys it.
 * Upload a .csv or .json under incoming/ to the stevedore-inbox bucket and a summary appears under summaries/;
 * send messages to the stevedore-work queue and the worker service scales from zero and back;
 * every morning a report of the day's summaries lands under reports/ (`stevedore schedules run daily-report` now).
 */
export default defineConfig({
  app: 'stevedore',
  tasks: {
    summarize: {
      image: { context: '.', dockerfile: 'examples/Dockerfile' },
      command: ['node', 'examples/summarize/main.mjs'],
      cpu: 256,
      memory: 512,
      architecture: 'arm64',
      env: { OUTPUT_PREFIX: 'summaries/', INPUT_PREFIX: 'incoming/' },
      stopTimeout: 10,
      local: { command: ['node', '--import', 'tsx', 'examples/summarize/main.ts'] },
      // It writes its summaries next to the inputs (reading its pipelines' objects is granted already).
      permissions: [{ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::stevedore-inbox/summaries/*'] }],
    },
    worker: {
      image: { context: '.', dockerfile: 'examples/Dockerfile' },
      command: ['node', 'examples/worker/main.mjs'],
      cpu: 256,
      memory: 512,
      architecture: 'arm64',
      env: { RESULTS_BUCKET: 'stevedore-inbox', RESULTS_PREFIX: 'worker-results/' },
      local: { command: ['node', '--import', 'tsx', 'examples/worker/main.ts'] },
      permissions: [
        { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::stevedore-inbox/worker-results/*'] },
      ],
    },
    report: {
      image: { context: '.', dockerfile: 'examples/Dockerfile' },
      command: ['node', 'examples/report/main.mjs'],
      cpu: 256,
      memory: 512,
      architecture: 'arm64',
      env: { REPORT_BUCKET: 'stevedore-inbox', SUMMARIES_PREFIX: 'summaries/', REPORTS_PREFIX: 'reports/' },
      local: { command: ['node', '--import', 'tsx', 'examples/report/main.ts'] },
      permissions: [
        { actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::stevedore-inbox'] },
        { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::stevedore-inbox/summaries/*'] },
        { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::stevedore-inbox/reports/*'] },
      ],
    },
    flaky: {
      image: { context: '.', dockerfile: 'examples/Dockerfile' },
      command: ['node', 'examples/flaky/main.mjs'],
      cpu: 256,
      memory: 512,
      architecture: 'arm64',
      local: { command: ['node', '--import', 'tsx', 'examples/flaky/main.ts'] },
    },
  },
  pipelines: {
    summaries: {
      bucket: 'stevedore-inbox',
      prefix: 'incoming/',
      task: 'summarize',
      timeout: 300,
      concurrency: 4,
      retry: {
        attempts: 3,
        // Exit code 2 means the input cannot be summarized: retrying will not help.
        rules: [{ onExitCode: '2', action: 'EXIT' }],
      },
    },
    flaky: {
      bucket: 'stevedore-inbox',
      prefix: 'flaky/',
      task: 'flaky',
      timeout: 60,
      retry: {
        attempts: 4,
        backoff: { initialSeconds: 2, maxSeconds: 10 },
        rules: [
          { onExitCode: '75', action: 'RETRY' },
          { onStopCode: 'SpotInterruption', action: 'RETRY' },
        ],
        otherwise: 'EXIT',
      },
    },
  },
  workers: {
    // Send {"id": "a1", "ms": 500} to stevedore-work: the service leaves zero, works, and returns to zero.
    jobs: {
      queue: 'stevedore-work',
      task: 'worker',
      min: 0,
      max: 10,
      messagesPerTask: 10,
      cooldown: { scaleInSeconds: 30 },
    },
  },
  schedules: {
    // Each morning at 06:00 Berlin time; a run still going when the next is due makes that one skip.
    'daily-report': {
      expression: 'cron(0 6 * * ? *)',
      timezone: 'Europe/Berlin',
      task: 'report',
      timeout: 600,
      overlap: 'skip',
      retry: { attempts: 2 },
    },
  },
});
