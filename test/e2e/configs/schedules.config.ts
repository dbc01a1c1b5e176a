import { defineConfig } from '@stevedore/core';

type TaskInput = Parameters<typeof defineConfig>[0]['tasks'][string];

/**
 * The schedules e2e config. Run with `--time-scale 20`, rate(1 minute) fires every 3 real seconds;
 * every run lasts longer than that (7 s, or until stopped), so each overlap policy has to act.
 */
const sleeper: TaskInput = {
  image: 'e2e/sleeper',
  cpu: 256,
  memory: 512,
  stopTimeout: 2,
  local: {
    command: [
      'node',
      '-e',
      "process.on('SIGTERM', () => process.exit(143)); setTimeout(() => process.exit(0), Number(process.env.SLEEP_MS))",
    ],
  },
};

export default defineConfig({
  app: 'e2es',
  // Not the default (90): a run the CLI records must expire as the config says, like every other.
  ledger: { retentionDays: 7 },
  tasks: { sleeper },
  schedules: {
    skipper: { expression: 'rate(1 minute)', task: 'sleeper', env: { SLEEP_MS: '7000' }, overlap: 'skip' },
    replacer: {
      expression: 'rate(1 minute)',
      task: 'sleeper',
      env: { SLEEP_MS: '600000' },
      overlap: 'replace',
      timeout: 600,
    },
    allower: { expression: 'rate(1 minute)', task: 'sleeper', env: { SLEEP_MS: '7000' }, overlap: 'allow' },
    paused: {
      expression: 'cron(0 12 * * ? *)',
      timezone: 'Asia/Tokyo',
      task: 'sleeper',
      env: { SLEEP_MS: '100' },
      enabled: false,
    },
  },
});
