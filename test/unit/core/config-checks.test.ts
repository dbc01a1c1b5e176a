import { jobPolicy, jobSource, jobSources, parseConfig, validateConfig } from '@stevedore/core/config';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configWith, PIPELINE, SCHEDULE, TASK } from '../../support/configs';

/* Checks that span a config: Fargate sizes, names and references, reserved names, and the job sources. */

/** Every cpu/memory pair of the AWS table (ECS Developer Guide, "Task CPU and memory", Linux). */
const GiB = 1024;
const range = (from: number, to: number, step: number) =>
  Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
const FARGATE_TABLE: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1 * GiB, 4 * GiB, GiB),
  1024: range(2 * GiB, 8 * GiB, GiB),
  2048: range(4 * GiB, 16 * GiB, GiB),
  4096: range(8 * GiB, 30 * GiB, GiB),
  8192: range(16 * GiB, 60 * GiB, 4 * GiB),
  16384: range(32 * GiB, 120 * GiB, 8 * GiB),
};
const VALID_PAIRS = Object.entries(FARGATE_TABLE).flatMap(([cpu, memories]) =>
  memories.map((memory) => [Number(cpu), memory] as const),
);
const sized = (cpu: number, memory: number) => ({ tasks: { resize: { ...TASK, cpu, memory } } });

describe('Fargate task sizes', () => {
  it('the AWS table has the pairs it should', () => {
    // Guards the table above: 3 + 4 + 7 + 13 + 23 + 12 + 12 pairs.
    expect(VALID_PAIRS).toHaveLength(74);
  });

  it.each(VALID_PAIRS)('accepts cpu %i with memory %i', (cpu, memory) => {
    expect(validateConfig(sized(cpu, memory))).toEqual([]);
  });

  it.each([
    [256, 1536, 'with cpu 256, memory must be 512, 1024 or 2048'],
    [256, 3072, 'with cpu 256, memory must be 512, 1024 or 2048'],
    [512, 512, 'with cpu 512, memory must be 1024 to 4096 in steps of 1024'],
    [1024, 1024, 'with cpu 1024, memory must be 2048 to 8192 in steps of 1024'],
    [2048, 17408, 'with cpu 2048, memory must be 4096 to 16384 in steps of 1024'],
    [4096, 31744, 'with cpu 4096, memory must be 8192 to 30720 in steps of 1024'],
    [8192, 17408, 'with cpu 8192, memory must be 16384 to 61440 in steps of 4096'],
    [16384, 36864, 'with cpu 16384, memory must be 32768 to 122880 in steps of 8192'],
  ])('rejects cpu %i with memory %i at tasks.<name>.memory', (cpu, memory, expected) => {
    expect(validateConfig(sized(cpu, memory))).toEqual([
      { path: 'tasks.resize.memory', message: `${expected}, got ${memory}` },
    ]);
  });

  it.each([100, 300, 768, 32768])('rejects cpu %i at tasks.<name>.cpu', (cpu) => {
    expect(validateConfig(sized(cpu, 2048))).toEqual([
      {
        path: 'tasks.resize.cpu',
        message: `cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384, got ${cpu}`,
      },
    ]);
  });

  it('accepts a cpu/memory pair exactly when the AWS table lists it', () => {
    const valid = new Set(VALID_PAIRS.map(([cpu, memory]) => `${cpu}/${memory}`));
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(FARGATE_TABLE).map(Number)),
        fc.integer({ min: 0, max: 64 }).map((n) => n * 512),
        (cpu, memory) => {
          expect(validateConfig(sized(cpu, memory)).length === 0).toBe(valid.has(`${cpu}/${memory}`));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('names, references and reserved names', () => {
  it.each([
    ['with a space', 'my task'],
    ['starting with a digit', '1resize'],
    ['starting with a dash', '-resize'],
    ['of 41 characters', `r${'x'.repeat(40)}`],
    ['with a dot', 'resize.v2'],
  ])('rejects a name %s', (_what, name) => {
    expect(validateConfig({ tasks: { [name]: TASK } })).toEqual([
      {
        path: `tasks.${name}`,
        message: `expected a name of letters, digits, '-' and '_' that starts with a letter (at most 40), got ${JSON.stringify(name)}`,
      },
    ]);
  });

  it('accepts a name of 40 letters, digits, - and _', () => {
    const name = `R_${'a1-'.repeat(12)}xy`;
    expect(name).toHaveLength(40);

    expect(validateConfig({ tasks: { [name]: TASK } })).toEqual([]);
  });

  it.each([
    ['a task', configWith({ task: { env: { STEVEDORE_JOB_ID: 'x' } } }), 'tasks.resize.env.STEVEDORE_JOB_ID'],
    [
      'a pipeline',
      configWith({ pipeline: { env: { STEVEDORE_ATTEMPT: '1' } } }),
      'pipelines.thumbnails.env.STEVEDORE_ATTEMPT',
    ],
    [
      'a schedule',
      configWith({ schedule: { env: { STEVEDORE_X: '' } } }),
      'schedules.nightly.env.STEVEDORE_X',
    ],
    [
      'a local run',
      configWith({ task: { local: { command: ['node'], env: { STEVEDORE_ATTEMPT: '1' } } } }),
      'tasks.resize.local.env.STEVEDORE_ATTEMPT',
    ],
  ])('reserves STEVEDORE_* in the env of %s', (_where, input, path) => {
    const name = path.slice(path.lastIndexOf('.') + 1);

    expect(validateConfig(input)).toEqual([
      { path, message: `names starting with STEVEDORE_ are reserved, got ${JSON.stringify(name)}` },
    ]);
  });

  it('reserves S3_* in the env of a pipeline, which receives the object as S3_* variables', () => {
    const input = configWith({ pipeline: { env: { S3_BUCKET: 'other', QUALITY: '80' } } });

    expect(validateConfig(input)).toEqual([
      { path: 'pipelines.thumbnails.env.S3_BUCKET', message: 'names starting with S3_ are reserved' },
    ]);
  });

  it('allows S3_* in the env of a task and a schedule', () => {
    expect(
      validateConfig(
        configWith({ task: { env: { S3_REGION: 'eu-west-1' } }, schedule: { env: { S3_X: '1' } } }),
      ),
    ).toEqual([]);
  });

  it('rejects an env name that is not a variable name', () => {
    expect(validateConfig(configWith({ task: { env: { 'LOG-LEVEL': 'info' } } }))).toEqual([
      {
        path: 'tasks.resize.env.LOG-LEVEL',
        message: 'expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got "LOG-LEVEL"',
      },
    ]);
  });

  it('names the known tasks when a reference is unknown, or says none are defined', () => {
    expect(validateConfig({ tasks: {}, pipelines: { thumbnails: PIPELINE } })).toEqual([
      { path: 'pipelines.thumbnails.task', message: 'unknown task "resize" (tasks: none are defined)' },
    ]);
    expect(validateConfig(configWith({ worker: { task: 'mail' } }))).toEqual([
      { path: 'workers.mailer.task', message: 'unknown task "mail" (tasks: resize)' },
    ]);
  });

  it('rejects a schedule that shares a pipeline name, since job ids start with the source name', () => {
    const input = { ...configWith(), schedules: { thumbnails: SCHEDULE } };

    expect(validateConfig(input)).toEqual([
      { path: 'schedules.thumbnails', message: 'the name is already used by pipelines.thumbnails' },
    ]);
  });

  it('reports the cross-checks too when the schema fails, over what is left of the config', () => {
    const input = {
      tasks: { t: { image: 'x', cpu: 256, memory: 4096 } },
      pipelines: { thumbnails: { bucket: 'e2e-inbox', task: 'nope', retry: { attempts: 0 } } },
      pipeliness: {},
    };

    expect(validateConfig(input)).toEqual([
      { path: 'pipelines.thumbnails.retry.attempts', message: 'expected an integer from 1 to 10, got 0' },
      { path: 'pipeliness', message: 'unknown key' },
      { path: 'tasks.t.memory', message: 'with cpu 256, memory must be 512, 1024 or 2048, got 4096' },
      { path: 'pipelines.thumbnails.task', message: 'unknown task "nope" (tasks: t)' },
    ]);
  });

  it('does not judge a value against the default of a bad neighbour', () => {
    const input = configWith({ pipeline: { retry: { backoff: { initialSeconds: -1, maxSeconds: 2 } } } });

    expect(validateConfig(input).map((issue) => issue.path)).toEqual([
      'pipelines.thumbnails.retry.backoff.initialSeconds',
    ]);
  });

  it('does not call a task unknown because its own values were bad', () => {
    const input = { tasks: { resize: { ...TASK, image: 42 } }, pipelines: { thumbnails: PIPELINE } };

    expect(validateConfig(input)).toEqual([
      { path: 'tasks.resize.image', message: expect.stringMatching(/got 42$/) },
    ]);
  });

  it('rejects two names of a section that would name the same AWS resources', () => {
    const input = { ...configWith(), schedules: { 'daily-report': SCHEDULE, daily_report: SCHEDULE } };

    expect(validateConfig(input)).toEqual([
      {
        path: 'schedules.daily_report',
        message:
          'names the same AWS resources as schedules.daily-report (both become DailyReport); rename one',
      },
    ]);
    // Across sections the resources differ (a task's role, a worker's queue), so the same name is fine.
    expect(validateConfig({ ...configWith(), schedules: { resize: SCHEDULE } })).toEqual([]);
  });
});

describe('schedule expressions and time zones', () => {
  it.each([
    ['cron(0 3 * * * *)', /^schedules\.nightly\.expression$/, /\?/],
    ['cron(61 3 * * ? *)', /^schedules\.nightly\.expression$/, /minute/i],
    ['rate(0 minutes)', /^schedules\.nightly\.expression$/, /rate/],
    ['every day', /^schedules\.nightly\.expression$/, /cron\(|rate\(|at\(/],
  ])('rejects %s, naming the schedule', (expression, path, message) => {
    const issues = validateConfig(configWith({ schedule: { expression } }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toMatch(path);
    expect(issues[0]?.message).toMatch(message);
  });

  it('rejects an unknown time zone, naming the schedule', () => {
    const issues = validateConfig(configWith({ schedule: { timezone: 'Mars/Olympus_Mons' } }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('schedules.nightly.timezone');
    expect(issues[0]?.message).toContain('Mars/Olympus_Mons');
  });

  it('accepts AWS dialect: ?, L, W, #, a year, and IANA zones', () => {
    for (const expression of [
      'cron(0 9 ? * MON-FRI *)',
      'cron(0 18 L * ? *)',
      'cron(0 8 15W * ? *)',
      'cron(0 10 ? * 6#3 2027-2030)',
      'rate(1 hour)',
      'at(2030-01-01T00:00:00)',
    ]) {
      expect(validateConfig(configWith({ schedule: { expression, timezone: 'America/Sao_Paulo' } }))).toEqual(
        [],
      );
    }
  });
});

describe('workers, retry rules and ranges', () => {
  it('rejects a worker whose min exceeds its max, and accepts min equal to max', () => {
    expect(validateConfig(configWith({ worker: { min: 5, max: 2 } }))).toEqual([
      { path: 'workers.mailer.min', message: 'expected at most max (2), got 5' },
    ]);
    expect(validateConfig(configWith({ worker: { min: 3, max: 3 } }))).toEqual([]);
  });

  it('rejects messagesPerTask together with latency, and accepts either alone', () => {
    const latency = { targetSeconds: 60, secondsPerMessage: 0.5 };

    expect(validateConfig(configWith({ worker: { messagesPerTask: 10, latency } }))).toEqual([
      { path: 'workers.mailer', message: 'set messagesPerTask or latency, not both' },
    ]);
    expect(validateConfig(configWith({ worker: { messagesPerTask: 10 } }))).toEqual([]);
    expect(validateConfig(configWith({ worker: { latency } }))).toEqual([]);
  });

  it('rejects a retry rule without any condition', () => {
    const input = configWith({ pipeline: { retry: { rules: [{ action: 'EXIT' }] } } });

    expect(validateConfig(input)).toEqual([
      {
        path: 'pipelines.thumbnails.retry.rules.0',
        message: 'a rule needs at least one of onExitCode, onStopCode, onReason, got an object',
      },
    ]);
  });

  it.each([
    ['onReason', 'Capacity*unavailable', `expected '*' only at the end of the pattern`],
    ['onStopCode', '*Interruption', `expected '*' only at the end of the pattern`],
    ['onExitCode', '1*7', `expected '*' only at the end of the pattern`],
    ['onExitCode', 'SIGKILL', `expected digits, optionally ending in '*'`],
  ])('rejects %s %j', (key, pattern, message) => {
    const input = configWith({ schedule: { retry: { rules: [{ [key]: pattern, action: 'RETRY' }] } } });

    expect(validateConfig(input)).toEqual([
      {
        path: `schedules.nightly.retry.rules.0.${key}`,
        message: `${message}, got ${JSON.stringify(pattern)}`,
      },
    ]);
  });

  it.each([
    { onExitCode: '137' },
    { onExitCode: '13*' },
    { onExitCode: '*' },
    { onStopCode: 'SpotInterruption' },
    { onReason: 'CannotPullContainerError*' },
    { onStopCode: 'EssentialContainerExited', onExitCode: '1' },
  ])('accepts the rule %j', (conditions) => {
    const input = configWith({ pipeline: { retry: { rules: [{ ...conditions, action: 'RETRY' }] } } });

    expect(validateConfig(input)).toEqual([]);
  });

  it('rejects a backoff whose cap is below its initial delay, and a size range that is empty', () => {
    const input = configWith({
      pipeline: { minSize: 100, maxSize: 10, retry: { backoff: { initialSeconds: 60, maxSeconds: 30 } } },
    });

    expect(validateConfig(input)).toEqual([
      { path: 'pipelines.thumbnails.maxSize', message: 'expected at least minSize (100), got 10' },
      {
        path: 'pipelines.thumbnails.retry.backoff.maxSeconds',
        message: 'expected at least initialSeconds (60), got 30',
      },
    ]);
  });
});

describe('job sources', () => {
  const config = parseConfig(
    configWith({
      task: { architecture: 'arm64', containerName: 'worker' },
      pipeline: { concurrency: 3, timeout: 600, env: { QUALITY: '80' }, retry: { attempts: 5 } },
      top: { prices: { arm64: { FARGATE: { vcpuHour: 0.05, gbHour: 0.005 } } } },
    }),
  );

  it('describes a pipeline with its task, env, timeout, retry and concurrency', () => {
    const source = jobSource(config, 'thumbnails');

    expect(source).toMatchObject({
      name: 'thumbnails',
      kind: 'pipeline',
      taskName: 'resize',
      task: { cpu: 256, memory: 512, architecture: 'arm64', containerName: 'worker' },
      env: { QUALITY: '80' },
      timeoutSeconds: 600,
      retry: { attempts: 5 },
      concurrency: 3,
    });
  });

  it('describes a schedule, which has no concurrency cap', () => {
    const source = jobSource(config, 'nightly');

    expect(source).toMatchObject({
      name: 'nightly',
      kind: 'schedule',
      taskName: 'resize',
      timeoutSeconds: 3600,
    });
    expect(source).not.toHaveProperty('concurrency');
  });

  it('knows no worker or unknown name as a job source, and lists pipelines and schedules', () => {
    expect(jobSource(config, 'mailer')).toBeUndefined();
    expect(jobSource(config, 'nope')).toBeUndefined();
    expect(jobSources(config).map((s) => s.name)).toEqual(['thumbnails', 'nightly']);
  });

  it('derives the job policy from the source and the config prices', () => {
    const source = jobSource(config, 'thumbnails');
    if (!source) throw new Error('thumbnails is a pipeline');

    const policy = jobPolicy(config, source);

    expect(policy).toMatchObject({
      retry: { attempts: 5 },
      architecture: 'arm64',
      cpu: 256,
      memory: 512,
      essentialContainers: ['worker'],
    });
    expect(policy.prices.arm64.FARGATE).toEqual({ vcpuHour: 0.05, gbHour: 0.005 });
    expect(policy.prices.x86_64.FARGATE).toEqual({ vcpuHour: 0.04048, gbHour: 0.004445 });
  });
});
