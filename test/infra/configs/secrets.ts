import { defineConfig } from '@stevedore/core';

/*
 * Task secrets: a task with a Secrets Manager JSON key, an SSM parameter by name and one by ARN under a
 * customer key; a pipeline that replaces one of them (its own task definition and execution role),
 * another that keeps the task's; a worker whose task has none of its own but adds one.
 */
export default defineConfig({
  app: 'vault',
  tasks: {
    ingest: {
      image: 'public.ecr.aws/vault/ingest:2',
      cpu: 256,
      memory: 512,
      env: { MODE: 'batch' },
      secrets: {
        DB_PASSWORD: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:vault/db-AbCdEf:password::',
        API_KEY: 'ssm:/vault/api-key',
        LICENSE: {
          valueFrom: 'arn:aws:ssm:eu-central-1:123456789012:parameter/vault/license',
          kmsKey: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        },
      },
    },
    relay: { image: 'public.ecr.aws/vault/relay:2', cpu: 256, memory: 512 },
  },
  pipelines: {
    own: { bucket: 'vault-drop', prefix: 'own/', task: 'ingest' },
    partner: {
      bucket: 'vault-drop',
      prefix: 'partner/',
      task: 'ingest',
      secrets: { API_KEY: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:partner/api-Zx9Yw8' },
    },
  },
  workers: {
    relay: { queue: 'vault-relay', task: 'relay', max: 2, secrets: { SMTP: 'ssm:/vault/smtp' } },
  },
});
