import { defineConfig } from '@stevedore/core';

/**
 * The secrets e2e config. Its references resolve from <state-dir>/secrets.json, which the test writes
 * with planted values; `locked` names a parameter the file never has.
 */
export const DB_PASSWORD = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:e2e/db-AbCdEf:password::';
export const API_KEY = 'ssm:/e2e/api-key';
export const PARTNER_KEY = 'arn:aws:ssm:us-east-1:111122223333:parameter/e2e/partner-key';
export const NEVER_SET = 'ssm:/e2e/never-set';

const local = {
  command: ['node', '--import', 'tsx', 'test/e2e/programs/read-secret.ts'],
  cwd: '../../..',
};

export default defineConfig({
  app: 'e2e-secrets',
  tasks: {
    vault: {
      image: 'e2e/vault',
      cpu: 256,
      memory: 512,
      env: { MODE: 'plain' },
      secrets: { DB_PASSWORD, API_KEY },
      local,
    },
  },
  pipelines: {
    vault: { bucket: 'e2e-secrets', prefix: 'vault/', task: 'vault', timeout: 120 },
    // Its own task definition: the task's DB_PASSWORD, another API_KEY.
    partner: {
      bucket: 'e2e-secrets',
      prefix: 'partner/',
      task: 'vault',
      timeout: 120,
      secrets: { API_KEY: PARTNER_KEY },
    },
    // A secret that cannot be pulled will not appear on a retry: the rule ends the job at once.
    locked: {
      bucket: 'e2e-secrets',
      prefix: 'locked/',
      task: 'vault',
      timeout: 120,
      secrets: { API_KEY: NEVER_SET },
      retry: {
        attempts: 3,
        rules: [
          { onStopCode: 'TaskFailedToStart', onReason: 'ResourceInitializationError*', action: 'EXIT' },
        ],
      },
    },
  },
});
