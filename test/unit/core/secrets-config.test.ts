import {
  jobSource,
  parameterArn,
  parseConfig,
  parseSecretReference,
  secretResourceArn,
  secretValueFrom,
  taskDefinitionsOf,
  validateConfig,
} from '@stevedore/core/config';
import { describe, expect, it } from 'vitest';
import { configWith, TASK } from '../../support/configs';

/* Task secrets in the config: which references are accepted, and the names they may not share. */

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf';
const PARAMETER = 'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api-key';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SCOPE = { partition: 'aws', region: 'us-east-2', account: '210987654321' };
const VERSION_ID = 'EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE';

const withTaskSecrets = (secrets: Record<string, unknown>, task: Record<string, unknown> = {}) =>
  configWith({ task: { ...task, secrets } });

describe('a secret reference', () => {
  it.each([
    [SECRET, 'secretsmanager'],
    [`${SECRET}:password::`, 'secretsmanager'],
    [`${SECRET}:password:AWSPREVIOUS:`, 'secretsmanager'],
    [`${SECRET}::AWSCURRENT:`, 'secretsmanager'],
    [`${SECRET}:::${VERSION_ID}`, 'secretsmanager'],
    ['arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-AbCdEf', 'secretsmanager'],
    [PARAMETER, 'ssm'],
    ['arn:aws:ssm:eu-west-1:123456789012:parameter/api-key', 'ssm'],
    ['ssm:/prod/api-key', 'ssm'],
    ['ssm:api-key', 'ssm'],
    ['ssm:/a.b/c_d/e-f', 'ssm'],
  ])('accepts %s', (reference, kind) => {
    const parsed = parseSecretReference(reference);
    expect(typeof parsed === 'string' ? parsed : parsed.kind).toBe(kind);
    expect(validateConfig(withTaskSecrets({ TOKEN: reference }))).toEqual([]);
  });

  it.each([
    ['hunter2', 'expected a Secrets Manager secret'],
    ['/prod/api-key', 'expected a Secrets Manager secret'],
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:db', "expected the secret's full ARN"],
    ['arn:aws:secretsmanager:eu-west-1:1234:secret:db-AbCdEf', "expected the secret's full ARN"],
    [
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password',
      "expected the secret's full ARN",
    ],
    [`${SECRET}:password:AWSCURRENT:${VERSION_ID}`, 'expected a version stage or a version id, not both'],
    [`${SECRET}:::short`, 'expected a version id of 32 to 64'],
    ['arn:aws:s3:::bucket/key', 'expected a Secrets Manager secret'],
    ['ssm:prod/api-key', 'expected an SSM parameter name'],
    ['ssm:/prod//api-key', 'expected an SSM parameter name'],
    ['ssm:/prod/api key', 'expected an SSM parameter name'],
    ['ssm:', 'expected an SSM parameter name'],
    ['ssm:/aws/reference/secretsmanager/db', 'SSM parameter names may not start with aws or ssm'],
  ])('rejects %s at its path, saying why', (reference, why) => {
    const issues = validateConfig(withTaskSecrets({ TOKEN: reference }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('tasks.resize.secrets.TOKEN');
    expect(issues[0]?.message).toContain(why);
    // What was given is not repeated: it may be the secret itself, pasted in by mistake.
    expect(issues[0]?.message).not.toContain(', got "');
  });

  it('takes a customer KMS key with the reference, and only a key ARN', () => {
    expect(validateConfig(withTaskSecrets({ TOKEN: { valueFrom: SECRET, kmsKey: KEY } }))).toEqual([]);
    const issues = validateConfig(
      withTaskSecrets({
        TOKEN: { valueFrom: SECRET, kmsKey: 'arn:aws:kms:eu-west-1:123456789012:alias/db' },
      }),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'tasks.resize.secrets.TOKEN.kmsKey',
        message: expect.stringContaining('expected a KMS key ARN'),
      }),
    ]);
    expect(validateConfig(withTaskSecrets({ TOKEN: { valueFrom: SECRET, key: KEY } }))[0]).toMatchObject({
      path: 'tasks.resize.secrets.TOKEN.key',
      message: 'unknown key',
    });
  });

  it.each([
    ['1TOKEN', 'expected an environment variable name'],
    ['STEVEDORE_TOKEN', 'names starting with STEVEDORE_ are reserved'],
  ])('refuses the variable name %s', (name, why) => {
    expect(validateConfig(withTaskSecrets({ [name]: SECRET }))).toEqual([
      expect.objectContaining({
        path: `tasks.resize.secrets.${name}`,
        message: expect.stringContaining(why),
      }),
    ]);
  });

  it('is granted on the secret without its JSON key or version, and on the parameter by ARN', () => {
    const of = (text: string) => {
      const parsed = parseSecretReference(text);
      if (typeof parsed === 'string') throw new Error(parsed);
      return parsed;
    };
    expect(secretResourceArn(of(`${SECRET}:password:AWSPREVIOUS:`), SCOPE)).toBe(SECRET);
    expect(secretValueFrom(of(`${SECRET}:password:AWSPREVIOUS:`), SCOPE)).toBe(
      `${SECRET}:password:AWSPREVIOUS:`,
    );
    expect(secretResourceArn(of(PARAMETER), SCOPE)).toBe(PARAMETER);
    // A name is a parameter of the deploy's own region and account; its ARN drops the leading '/'.
    const byName = of('ssm:/prod/api-key');
    expect(secretValueFrom(byName, SCOPE)).toBe('arn:aws:ssm:us-east-2:210987654321:parameter/prod/api-key');
    expect(byName.kind === 'ssm' && parameterArn(byName, SCOPE)).toBe(
      'arn:aws:ssm:us-east-2:210987654321:parameter/prod/api-key',
    );
    expect(secretResourceArn(of('ssm:api-key'), SCOPE)).toBe(
      'arn:aws:ssm:us-east-2:210987654321:parameter/api-key',
    );
    expect(secretResourceArn(of('arn:aws:ssm:eu-west-1:123456789012:parameter/api-key'), SCOPE)).toBe(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/api-key',
    );
  });
});

describe('a secret name shared with env', () => {
  it('is an error naming both, on the task', () => {
    expect(validateConfig(withTaskSecrets({ DB_PASSWORD: SECRET }, { env: { DB_PASSWORD: 'x' } }))).toEqual([
      {
        path: 'tasks.resize.secrets.DB_PASSWORD',
        message: 'DB_PASSWORD is also in tasks.resize.env: a variable is either env or a secret, not both',
      },
    ]);
  });

  it("is an error against the task's local env", () => {
    const config = withTaskSecrets(
      { DB_PASSWORD: SECRET },
      { local: { command: ['node', 'x.js'], env: { DB_PASSWORD: 'x' } } },
    );
    expect(validateConfig(config)).toEqual([
      expect.objectContaining({
        path: 'tasks.resize.secrets.DB_PASSWORD',
        message: expect.stringContaining('also in tasks.resize.local.env'),
      }),
    ]);
  });

  it("is an error between a pipeline's secrets and its env or its task's", () => {
    expect(
      validateConfig(configWith({ pipeline: { env: { API_KEY: 'x' }, secrets: { API_KEY: PARAMETER } } })),
    ).toEqual([
      {
        path: 'pipelines.thumbnails.secrets.API_KEY',
        message:
          'API_KEY is also in pipelines.thumbnails.env: a variable is either env or a secret, not both',
      },
    ]);
    expect(
      validateConfig(
        configWith({ task: { env: { API_KEY: 'x' } }, schedule: { secrets: { API_KEY: PARAMETER } } }),
      ),
    ).toEqual([
      expect.objectContaining({
        path: 'schedules.nightly.secrets.API_KEY',
        message: expect.stringContaining('also in tasks.resize.env'),
      }),
    ]);
  });

  it("is an error between a pipeline's env and its task's secrets, unless the pipeline replaces that secret", () => {
    const config = configWith({
      task: { secrets: { API_KEY: PARAMETER } },
      pipeline: { env: { API_KEY: 'x' } },
    });
    expect(validateConfig(config)).toEqual([
      expect.objectContaining({
        path: 'tasks.resize.secrets.API_KEY',
        message: expect.stringContaining('also in pipelines.thumbnails.env'),
      }),
    ]);
  });

  it("is an error between a worker's secrets and its task's env", () => {
    expect(
      validateConfig(
        configWith({ task: { env: { API_KEY: 'x' } }, worker: { secrets: { API_KEY: PARAMETER } } }),
      ),
    ).toEqual([expect.objectContaining({ path: 'workers.mailer.secrets.API_KEY' })]);
  });

  it("reserves S3_ names in a pipeline's secrets, where the object's own variables go", () => {
    expect(validateConfig(configWith({ pipeline: { secrets: { S3_TOKEN: PARAMETER } } }))).toEqual([
      { path: 'pipelines.thumbnails.secrets.S3_TOKEN', message: 'names starting with S3_ are reserved' },
    ]);
  });
});

describe('the task definitions of a config', () => {
  it("give a source that overrides secrets a definition of its own, with the task's secrets under its own", () => {
    const config = parseConfig(
      configWith({
        task: { secrets: { DB_PASSWORD: SECRET, API_KEY: 'ssm:/prod/api-key' } },
        pipeline: { secrets: { API_KEY: PARAMETER, EXTRA: 'ssm:extra' } },
      }),
    );
    expect(taskDefinitionsOf(config)).toEqual([
      { name: 'resize', task: 'resize', secrets: { DB_PASSWORD: SECRET, API_KEY: 'ssm:/prod/api-key' } },
      {
        name: 'resize--thumbnails',
        task: 'resize',
        source: { kind: 'pipeline', name: 'thumbnails' },
        secrets: { DB_PASSWORD: SECRET, API_KEY: PARAMETER, EXTRA: 'ssm:extra' },
      },
    ]);
    expect(jobSource(config, 'thumbnails')?.definition).toBe('resize--thumbnails');
    expect(jobSource(config, 'nightly')?.definition).toBe('resize');
  });

  it('refuse a source definition that would share resource names with a task', () => {
    const config = {
      tasks: { resize: TASK, 'resize-thumbnails': TASK },
      pipelines: { thumbnails: { bucket: 'media-uploads', task: 'resize', secrets: { API_KEY: PARAMETER } } },
    };
    expect(validateConfig(config)).toEqual([
      {
        path: 'pipelines.thumbnails.secrets',
        message:
          'its secrets give it a task definition of its own, resize--thumbnails, which would share AWS resource names with tasks.resize-thumbnails; rename one',
      },
    ]);
  });

  it('refuse a pipeline and a worker of one name that both override the secrets of one task', () => {
    const config = configWith({
      pipeline: { secrets: { API_KEY: PARAMETER } },
      worker: { secrets: { API_KEY: PARAMETER } },
      top: {
        workers: { thumbnails: { queue: 'q', task: 'resize', max: 1, secrets: { API_KEY: PARAMETER } } },
      },
    });
    expect(validateConfig(config)).toEqual([
      expect.objectContaining({
        path: 'workers.thumbnails.secrets',
        message: expect.stringContaining('the task definition of pipelines.thumbnails'),
      }),
    ]);
  });
});
