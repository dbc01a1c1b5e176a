import { defineConfig } from '@stevedore/core';
import { parseConfig, validateConfig } from '@stevedore/core/config';
import type { ConfigIssue } from '@stevedore/core/errors';
import { describe, expect, it } from 'vitest';
import { configErrorOf, configWith, PIPELINE, TASK, WORKER, without } from '../../support/configs';

describe('parseConfig', () => {
  it('parses a full config and fills every default', () => {
    const input = defineConfig({
      app: 'media',
      tasks: {
        resize: {
          ...TASK,
          architecture: 'arm64',
          command: ['node', 'resize.js'],
          env: { LOG_LEVEL: 'info' },
        },
        report: { image: 'report:latest', cpu: 1024, memory: 3072 },
      },
      pipelines: {
        thumbnails: {
          bucket: 'media-uploads',
          prefix: 'incoming/',
          suffix: '.jpg',
          task: 'resize',
          concurrency: 5,
          retry: { attempts: 4, rules: [{ onStopCode: 'SpotInterruption', action: 'RETRY' }] },
        },
      },
      workers: { mailer: { queue: 'outgoing-mail', task: 'report', max: 10, messagesPerTask: 100 } },
      schedules: { nightly: { expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris', task: 'report' } },
    });

    const config = parseConfig(input);

    const defaultRetry = {
      attempts: 3,
      backoff: { initialSeconds: 10, maxSeconds: 300, multiplier: 2 },
      rules: [],
      otherwise: 'RETRY',
    };
    expect(config).toEqual({
      app: 'media',
      tasks: {
        resize: {
          ...TASK,
          architecture: 'arm64',
          command: ['node', 'resize.js'],
          env: { LOG_LEVEL: 'info' },
          containerName: 'main',
          stopTimeout: 30,
          capacity: 'FARGATE',
          logRetentionDays: 30,
          permissions: [],
          secrets: {},
        },
        report: {
          image: 'report:latest',
          cpu: 1024,
          memory: 3072,
          architecture: 'x86_64',
          env: {},
          containerName: 'main',
          stopTimeout: 30,
          capacity: 'FARGATE',
          logRetentionDays: 30,
          permissions: [],
          secrets: {},
        },
      },
      pipelines: {
        thumbnails: {
          bucket: 'media-uploads',
          prefix: 'incoming/',
          suffix: '.jpg',
          task: 'resize',
          env: {},
          timeout: 3600,
          concurrency: 5,
          retry: {
            ...defaultRetry,
            attempts: 4,
            rules: [{ onStopCode: 'SpotInterruption', action: 'RETRY' }],
          },
        },
      },
      workers: {
        mailer: {
          queue: 'outgoing-mail',
          task: 'report',
          min: 0,
          max: 10,
          messagesPerTask: 100,
          cooldown: { scaleOutSeconds: 0, scaleInSeconds: 60 },
          step: { maxOut: 100, maxIn: 100 },
          activation: { observations: 2 },
          spotPercent: 0,
          spotFallbackSeconds: 60,
          spotRetrySeconds: 600,
          deployment: { minimumHealthyPercent: 100, maximumPercent: 200 },
          visibilityTimeout: 30,
          deadLetter: { maxReceiveCount: 5 },
        },
      },
      schedules: {
        nightly: {
          expression: 'cron(0 3 * * ? *)',
          timezone: 'Europe/Paris',
          task: 'report',
          env: {},
          timeout: 3600,
          retry: defaultRetry,
          overlap: 'skip',
          enabled: true,
        },
      },
      prices: {},
      buckets: [],
      ledger: { retentionDays: 90 },
    });
  });

  it('needs only tasks, and names the app "stevedore" by default', () => {
    const config = parseConfig({ tasks: { resize: TASK } });

    expect(config).toMatchObject({ app: 'stevedore', pipelines: {}, workers: {}, schedules: {} });
  });

  it('defineConfig returns its argument unchanged', () => {
    const input = { tasks: { resize: TASK } };

    expect(defineConfig(input)).toBe(input);
  });
});

describe('config error messages', () => {
  // Each row breaks one value of an otherwise valid config: exactly one issue, `<path>: <message>, got <value>`.
  it.each<{ name: string; input: Record<string, unknown>; issue: ConfigIssue }>([
    {
      name: 'retry attempts out of range',
      input: configWith({ pipeline: { retry: { attempts: 0 } } }),
      issue: {
        path: 'pipelines.thumbnails.retry.attempts',
        message: 'expected an integer from 1 to 10, got 0',
      },
    },
    {
      name: 'a fractional integer',
      input: configWith({ worker: { max: 2.5 } }),
      issue: { path: 'workers.mailer.max', message: 'expected an integer from 1 to 1000, got 2.5' },
    },
    {
      name: 'cpu as a string',
      input: configWith({ task: { cpu: '256' } }),
      issue: {
        path: 'tasks.resize.cpu',
        message: 'expected cpu units: 256, 512, 1024, 2048, 4096, 8192 or 16384, got "256"',
      },
    },
    {
      name: 'an unknown architecture',
      input: configWith({ task: { architecture: 'amd64' } }),
      issue: { path: 'tasks.resize.architecture', message: `expected 'x86_64' or 'arm64', got "amd64"` },
    },
    {
      name: 'a command given as a shell string',
      input: configWith({ task: { command: 'node resize.js' } }),
      issue: { path: 'tasks.resize.command', message: 'expected an array of strings, got "node resize.js"' },
    },
    {
      name: 'a stop timeout above what Fargate allows',
      input: configWith({ task: { stopTimeout: 121 } }),
      issue: { path: 'tasks.resize.stopTimeout', message: 'expected an integer from 2 to 120, got 121' },
    },
    {
      name: 'an invalid bucket name',
      input: configWith({ pipeline: { bucket: 'Media_Uploads' } }),
      issue: {
        path: 'pipelines.thumbnails.bucket',
        message: 'expected a valid S3 bucket name, got "Media_Uploads"',
      },
    },
    {
      name: 'a backoff multiplier below 1',
      input: configWith({ pipeline: { retry: { backoff: { multiplier: 0.5 } } } }),
      issue: {
        path: 'pipelines.thumbnails.retry.backoff.multiplier',
        message: 'expected a number from 1 to 10, got 0.5',
      },
    },
    {
      name: 'an unknown overlap policy',
      input: configWith({ schedule: { overlap: 'queue' } }),
      issue: {
        path: 'schedules.nightly.overlap',
        message: `expected 'allow', 'skip' or 'replace', got "queue"`,
      },
    },
    {
      name: 'a boolean given as a string',
      input: configWith({ schedule: { enabled: 'yes' } }),
      issue: { path: 'schedules.nightly.enabled', message: 'expected true or false, got "yes"' },
    },
    {
      name: 'an image that is neither a reference nor a build',
      input: configWith({ task: { image: { uri: 'resize:1' } } }),
      issue: {
        path: 'tasks.resize.image',
        message: 'expected an image reference or { context, dockerfile }, got an object',
      },
    },
    {
      name: 'a network without subnets',
      input: configWith({ top: { network: { vpcId: 'vpc-1', subnets: [], securityGroups: ['sg-1'] } } }),
      issue: { path: 'network.subnets', message: 'expected at least one subnet, got an array' },
    },
    {
      name: 'a task permission without actions',
      input: configWith({ task: { permissions: [{ actions: [], resources: ['arn:aws:s3:::b/*'] }] } }),
      issue: {
        path: 'tasks.resize.permissions.0.actions',
        message: 'expected at least one action, got an array',
      },
    },
    {
      name: 'a long value, shortened',
      input: configWith({ task: { architecture: 'x'.repeat(70) } }),
      issue: {
        path: 'tasks.resize.architecture',
        message: `expected 'x86_64' or 'arm64', got "${'x'.repeat(57)}..."`,
      },
    },
  ])('$name', ({ input, issue }) => {
    const error = configErrorOf(input);

    expect(error.issues).toEqual([issue]);
    expect(error.message).toBe(`invalid config:\n  ${issue.path}: ${issue.message}`);
  });

  it.each([
    ['a misspelt task key', configWith({ task: { imag: 'resize:1' } }), 'tasks.resize.imag'],
    ['a misspelt section', configWith({ top: { pipeline: {} } }), 'pipeline'],
    [
      'a misspelt nested key',
      configWith({ pipeline: { retry: { backof: {} } } }),
      'pipelines.thumbnails.retry.backof',
    ],
    [
      'a key of a retry rule',
      configWith({ pipeline: { retry: { rules: [{ onExit: '1', action: 'EXIT' }] } } }),
      'pipelines.thumbnails.retry.rules.0.onExit',
    ],
  ])('reports %s as an unknown key', (_name, input, path) => {
    const issues = validateConfig(input);

    expect(issues).toContainEqual({ path, message: 'unknown key' });
  });

  it.each([
    ['tasks', without(configWith(), 'tasks'), 'tasks'],
    ['a task image', { ...configWith(), tasks: { resize: without(TASK, 'image') } }, 'tasks.resize.image'],
    [
      'a pipeline bucket',
      { ...configWith(), pipelines: { thumbnails: without(PIPELINE, 'bucket') } },
      'pipelines.thumbnails.bucket',
    ],
    ['a worker max', { ...configWith(), workers: { mailer: without(WORKER, 'max') } }, 'workers.mailer.max'],
    [
      'a rule action',
      configWith({ pipeline: { retry: { rules: [{ onExitCode: '1' }] } } }),
      'pipelines.thumbnails.retry.rules.0.action',
    ],
  ])('reports a missing %s as required', (_name, input, path) => {
    expect(validateConfig(input)).toEqual([{ path, message: 'required' }]);
  });

  it('lists every problem of the schema at once', () => {
    const input = configWith({
      task: { cpu: 'big', extra: true },
      pipeline: { retry: { attempts: 11 } },
      worker: { min: -1 },
      schedule: { enabled: 1 },
    });

    const error = configErrorOf(input);

    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'pipelines.thumbnails.retry.attempts',
      'schedules.nightly.enabled',
      'tasks.resize.cpu',
      'tasks.resize.extra',
      'workers.mailer.min',
    ]);
    for (const issue of error.issues) expect(error.message).toContain(`\n  ${issue.path}: ${issue.message}`);
  });

  it('lists every cross-section problem at once', () => {
    const input = configWith({
      task: { memory: 4096 },
      pipeline: { task: 'resise' },
      worker: { min: 5, max: 2 },
      schedule: { task: 'report' },
    });

    expect(validateConfig(input)).toEqual([
      { path: 'tasks.resize.memory', message: 'with cpu 256, memory must be 512, 1024 or 2048, got 4096' },
      { path: 'pipelines.thumbnails.task', message: 'unknown task "resise" (tasks: resize)' },
      { path: 'workers.mailer.min', message: 'expected at most max (2), got 5' },
      { path: 'schedules.nightly.task', message: 'unknown task "report" (tasks: resize)' },
    ]);
  });

  it('validateConfig returns the issues instead of throwing, and [] for a valid config', () => {
    expect(validateConfig(configWith())).toEqual([]);
    expect(validateConfig(configWith({ pipeline: { retry: { attempts: 0 } } }))).toEqual([
      { path: 'pipelines.thumbnails.retry.attempts', message: 'expected an integer from 1 to 10, got 0' },
    ]);
  });

  it('rejects something that is not a config object, with no path', () => {
    const error = configErrorOf(null);

    expect(error.issues).toEqual([
      {
        path: '',
        message: 'expected a config object with tasks and optional pipelines, workers, schedules, got null',
      },
    ]);
    expect(error.message).toBe(
      'invalid config:\n  expected a config object with tasks and optional pipelines, workers, schedules, got null',
    );
  });
});
