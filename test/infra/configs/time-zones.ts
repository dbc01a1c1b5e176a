import { defineConfig } from '@stevedore/core';

/*
 * Schedules only, in several time zones (one disabled, one a rate), with the longest app name (30) and schedule names long enough that the
 * app-stage-prefixed schedule names are shortened to 64 characters with a hash.
 */
export default defineConfig({
  app: 'ledger-close-of-business-batch',
  tasks: {
    close: { image: 'public.ecr.aws/acme/close:2', cpu: 256, memory: 512 },
  },
  schedules: {
    'close-of-business-new-york': {
      expression: 'cron(0 17 ? * MON-FRI *)',
      timezone: 'America/New_York',
      task: 'close',
    },
    'close-of-business-tokyo-and-asia-pacific': {
      expression: 'cron(0 17 ? * MON-FRI *)',
      timezone: 'Asia/Tokyo',
      task: 'close',
    },
    'month-end-kolkata': { expression: 'cron(30 23 L * ? *)', timezone: 'Asia/Kolkata', task: 'close' },
    'hourly-reconcile': { expression: 'rate(1 hour)', task: 'close', enabled: false },
  },
});
