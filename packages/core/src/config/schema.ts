import * as v from 'valibot';
import { CapacityConfigSchema } from './capacity';
import { NotificationsSchema } from './notifications';
import { checkKmsKey, KMS_KEY_MESSAGE, parseSecretReference } from './secrets';

/*
 * The config schema. Every object is strict (an unknown key is an error, so a typo fails loudly) and
 * every message says what was expected; `parseConfig` adds the path and what was received.
 */

const NAME_MESSAGE = "expected a name of letters, digits, '-' and '_' that starts with a letter (at most 40)";
/** Names start job ids, which must fit RunTask's 64-character clientToken as `<jobId>:<attempt>`. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

const integerIn = (min: number, max: number) =>
  v.pipe(
    v.number(`expected an integer from ${min} to ${max}`),
    v.integer(`expected an integer from ${min} to ${max}`),
    v.minValue(min, `expected an integer from ${min} to ${max}`),
    v.maxValue(max, `expected an integer from ${min} to ${max}`),
  );

const numberIn = (min: number, max: number) =>
  v.pipe(
    v.number(`expected a number from ${min} to ${max}`),
    v.minValue(min, `expected a number from ${min} to ${max}`),
    v.maxValue(max, `expected a number from ${min} to ${max}`),
  );

const text = (what = 'a non-empty string') =>
  v.pipe(v.string(`expected ${what}`), v.minLength(1, `expected ${what}`));

/** A list of at least one non-empty string, with messages naming what the items are. */
const nonEmptyList = (item: string, plural: string, one: string) =>
  v.pipe(v.array(text(item), `expected a list of ${plural}`), v.minLength(1, `expected at least one ${one}`));

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envMap = v.record(
  v.pipe(
    v.string(),
    v.regex(ENV_NAME, 'expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)'),
    v.check((name) => !name.startsWith('STEVEDORE_'), 'names starting with STEVEDORE_ are reserved'),
  ),
  v.string('expected a string value'),
  'expected an object of environment variables',
);

/** A secret reference (see secrets.ts), checked as ECS and IAM will read it. */
const secretReference = v.pipe(
  v.string('expected a secret reference or { valueFrom, kmsKey }'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const parsed = parseSecretReference(dataset.value);
    if (typeof parsed === 'string') addIssue({ message: parsed });
  }),
);
/** Environment variables whose values ECS reads from Secrets Manager or SSM when the task starts. */
const secretMap = v.record(
  v.pipe(
    v.string(),
    v.regex(ENV_NAME, 'expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)'),
    v.check((name) => !name.startsWith('STEVEDORE_'), 'names starting with STEVEDORE_ are reserved'),
  ),
  // By the value's type, so a typo in the object form is reported at its key, not as "not a union member".
  v.lazy((input) =>
    typeof input === 'object' && input !== null
      ? v.strictObject(
          {
            valueFrom: secretReference,
            kmsKey: v.optional(
              v.pipe(
                v.string(KMS_KEY_MESSAGE),
                v.check((key) => checkKmsKey(key) === undefined, KMS_KEY_MESSAGE),
              ),
            ),
          },
          (issue) =>
            issue.expected === 'never'
              ? 'unknown key'
              : issue.input === undefined && issue.path
                ? 'required'
                : 'expected a secret reference or { valueFrom, kmsKey }',
        )
      : secretReference,
  ),
  'expected an object of secrets (environment variable name: reference)',
);

const strict = <T extends v.ObjectEntries>(entries: T, what: string) =>
  v.strictObject(entries, (issue) => {
    if (issue.expected === 'never') return 'unknown key';
    return issue.input === undefined && issue.path ? 'required' : `expected ${what}`;
  });

const namedMap = <T extends v.GenericSchema>(value: T, what: string) =>
  v.record(v.pipe(v.string(), v.regex(NAME_PATTERN, NAME_MESSAGE)), value, `expected an object of ${what}`);

/** Seconds, bounded, used for timeouts, cooldowns and backoff. */
const seconds = (min: number, max: number) => integerIn(min, max);

export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export const CAPACITY_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;
export const RETRY_ACTIONS = ['RETRY', 'EXIT'] as const;
export const OVERLAP_POLICIES = ['allow', 'skip', 'replace'] as const;
/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const LocalRunSchema = strict(
  {
    /** argv of the local process that stands in for the container; never run through a shell. */
    command: v.pipe(
      v.array(text(), 'expected an array of strings (argv, no shell)'),
      v.minLength(1, 'expected at least the program to run'),
    ),
    cwd: v.optional(text()),
    env: v.optional(envMap),
    /** Seconds the local task's image pull takes, so `jobs show` has a pull phase to show. */
    pullSeconds: v.optional(numberIn(0, 600)),
  },
  'an object with command (argv) and optional cwd, env and pullSeconds',
);

export const TaskSchema = strict(
  {
    /** An image reference, or a Docker build (context and Dockerfile, relative to the config) that deploys build and push. */
    image: v.union(
      [
        text('a container image reference'),
        strict(
          { context: text('a build context directory'), dockerfile: v.optional(text('a Dockerfile path')) },
          'an object with context and optional dockerfile',
        ),
      ],
      'expected an image reference or { context, dockerfile }',
    ),
    cpu: v.number('expected cpu units: 256, 512, 1024, 2048, 4096, 8192 or 16384'),
    memory: v.number('expected memory in MiB'),
    architecture: v.optional(v.picklist(ARCHITECTURES, "expected 'x86_64' or 'arm64'"), 'x86_64'),
    command: v.optional(v.array(text(), 'expected an array of strings')),
    env: v.optional(envMap, {}),
    /** Environment variables ECS fills from Secrets Manager or SSM at start; never written by Stevedore. */
    secrets: v.optional(secretMap, {}),
    containerName: v.optional(v.pipe(text(), v.regex(NAME_PATTERN, NAME_MESSAGE)), 'main'),
    /** Seconds between SIGTERM and SIGKILL when a task is stopped (Fargate allows up to 120). */
    stopTimeout: v.optional(seconds(2, 120), 30),
    /** Where attempts run: 'FARGATE', 'FARGATE_SPOT' or a Spot policy with fallback (see capacity.ts). */
    capacity: v.optional(CapacityConfigSchema, 'FARGATE'),
    ephemeralStorageGiB: v.optional(integerIn(21, 200)),
    logRetentionDays: v.optional(
      v.picklist(LOG_RETENTION_DAYS, `expected one of ${LOG_RETENTION_DAYS.join(', ')}`),
      30,
    ),
    local: v.optional(LocalRunSchema),
    /** More IAM statements for the task's role (S3 reads of its pipelines' objects are granted already). */
    permissions: v.optional(
      v.array(
        strict(
          {
            actions: nonEmptyList('an IAM action', 'actions', 'action'),
            resources: nonEmptyList('an ARN', 'ARNs', 'resource'),
          },
          'an object with actions and resources',
        ),
        'expected a list of { actions, resources }',
      ),
      [],
    ),
  },
  'a task: image, cpu, memory and optional architecture, command, env, local',
);

const GLOB = v.pipe(
  v.string('expected a pattern string'),
  v.minLength(1, 'expected a non-empty pattern'),
  v.maxLength(512, 'expected a pattern of at most 512 characters'),
  v.check((p) => !p.slice(0, -1).includes('*'), "expected '*' only at the end of the pattern"),
);

export const RetryRuleSchema = v.pipe(
  strict(
    {
      onExitCode: v.optional(
        v.pipe(GLOB, v.regex(/^\d+\*?$|^\*$/, "expected digits, optionally ending in '*'")),
      ),
      onStopCode: v.optional(GLOB),
      onReason: v.optional(GLOB),
      action: v.picklist(RETRY_ACTIONS, "expected 'RETRY' or 'EXIT'"),
    },
    'a rule: onExitCode, onStopCode or onReason, and action',
  ),
  v.check(
    (rule) => rule.onExitCode !== undefined || rule.onStopCode !== undefined || rule.onReason !== undefined,
    'a rule needs at least one of onExitCode, onStopCode, onReason',
  ),
);

export const RetrySchema = strict(
  {
    /** Total attempts, the first included (AWS Batch's `attempts`). */
    attempts: v.optional(integerIn(1, 10), 3),
    backoff: v.optional(
      strict(
        {
          initialSeconds: v.optional(seconds(0, 3600), 10),
          maxSeconds: v.optional(seconds(0, 86400), 300),
          multiplier: v.optional(numberIn(1, 10), 2),
        },
        'an object with initialSeconds, maxSeconds and multiplier',
      ),
      {},
    ),
    rules: v.optional(
      v.pipe(
        v.array(RetryRuleSchema, 'expected an array of rules'),
        v.maxLength(10, 'expected at most 10 rules'),
      ),
      [],
    ),
    /** What happens when no rule matches: AWS Batch retries. */
    otherwise: v.optional(v.picklist(RETRY_ACTIONS, "expected 'RETRY' or 'EXIT'"), 'RETRY'),
  },
  'an object with attempts, backoff, rules and otherwise',
);

const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const PipelineSchema = strict(
  {
    bucket: v.pipe(
      v.string('expected a bucket name'),
      v.regex(BUCKET_NAME, 'expected a valid S3 bucket name'),
    ),
    prefix: v.optional(v.string('expected a key prefix'), ''),
    suffix: v.optional(v.string('expected a key suffix'), ''),
    minSize: v.optional(integerIn(0, 5 * 1024 ** 4)),
    maxSize: v.optional(integerIn(0, 5 * 1024 ** 4)),
    task: text('the name of a task'),
    env: v.optional(envMap, {}),
    /** Secrets added to or replacing the task's, by name: the pipeline gets its own task definition. */
    secrets: v.optional(secretMap),
    /** Seconds an attempt may run before it is stopped and the job ends TIMED_OUT. */
    timeout: v.optional(seconds(1, 1_209_600), 3600),
    /** Most attempts running at once; unset means no cap. */
    concurrency: v.optional(integerIn(1, 10000)),
    retry: v.optional(RetrySchema, {}),
    /** Where this pipeline's attempts run, instead of the task's capacity. */
    capacity: v.optional(CapacityConfigSchema),
  },
  'a pipeline: bucket, task and optional prefix, suffix, minSize, maxSize, env, timeout, concurrency, retry',
);

/** Receives of one message before SQS moves it to the worker queue's dead-letter queue. */
export const DEFAULT_MAX_RECEIVE_COUNT = 5;

export const WorkerSchema = strict(
  {
    queue: v.pipe(
      v.string('expected a queue name'),
      v.regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected a queue name of at most 80 letters, digits, - and _'),
    ),
    task: text('the name of a task'),
    /** Secrets added to or replacing the task's, by name: the worker's service gets its own task definition. */
    secrets: v.optional(secretMap),
    min: v.optional(integerIn(0, 1000), 0),
    max: integerIn(1, 1000),
    /** Backlog one task is expected to hold; desired = ceil(backlog / messagesPerTask). */
    messagesPerTask: v.optional(integerIn(1, 100000)),
    /** Alternative to messagesPerTask: messagesPerTask = floor(targetSeconds / secondsPerMessage). */
    latency: v.optional(
      strict(
        { targetSeconds: numberIn(1, 86400), secondsPerMessage: numberIn(0.001, 86400) },
        'an object with targetSeconds and secondsPerMessage',
      ),
    ),
    cooldown: v.optional(
      strict(
        {
          scaleOutSeconds: v.optional(seconds(0, 3600), 0),
          scaleInSeconds: v.optional(seconds(0, 3600), 60),
        },
        'an object with scaleOutSeconds and scaleInSeconds',
      ),
      {},
    ),
    /** The most tasks added or removed by one decision. */
    step: v.optional(
      strict(
        { maxOut: v.optional(integerIn(1, 1000), 100), maxIn: v.optional(integerIn(1, 1000), 100) },
        'an object with maxOut and maxIn',
      ),
      {},
    ),
    /** How the service leaves zero: enough consecutive observations with visible messages, or an old enough message. */
    activation: v.optional(
      strict(
        {
          observations: v.optional(integerIn(1, 10), 2),
          oldestMessageAgeSeconds: v.optional(seconds(0, 86400)),
        },
        'an object with observations and optional oldestMessageAgeSeconds',
      ),
      {},
    ),
    /** Percent of tasks placed on FARGATE_SPOT. */
    spotPercent: v.optional(integerIn(0, 100), 0),
    /** Seconds Spot tasks may fail to place before the on-demand base goes up to cover them. */
    spotFallbackSeconds: v.optional(seconds(1, 3600), 60),
    /** Seconds without a placement failure before the on-demand base goes back to 0. */
    spotRetrySeconds: v.optional(seconds(1, 86400), 600),
    deployment: v.optional(
      strict(
        {
          minimumHealthyPercent: v.optional(integerIn(0, 100), 100),
          maximumPercent: v.optional(integerIn(100, 200), 200),
        },
        'an object with minimumHealthyPercent and maximumPercent',
      ),
      {},
    ),
    visibilityTimeout: v.optional(seconds(0, 43200), 30),
    /** The queue's dead-letter queue: a message received this many times without being deleted moves there. */
    deadLetter: v.optional(
      strict(
        { maxReceiveCount: v.optional(integerIn(1, 1000), DEFAULT_MAX_RECEIVE_COUNT) },
        'an object with maxReceiveCount',
      ),
      {},
    ),
  },
  'a worker: queue, task, max and optional min, messagesPerTask or latency, cooldown, step, activation, deadLetter',
);

export const ScheduleSchema = strict(
  {
    expression: text('a schedule expression: cron(...), rate(...) or at(...)'),
    timezone: v.optional(text('an IANA time zone such as Europe/Paris'), 'UTC'),
    task: text('the name of a task'),
    env: v.optional(envMap, {}),
    /** Secrets added to or replacing the task's, by name: the schedule gets its own task definition. */
    secrets: v.optional(secretMap),
    timeout: v.optional(seconds(1, 1_209_600), 3600),
    retry: v.optional(RetrySchema, {}),
    overlap: v.optional(v.picklist(OVERLAP_POLICIES, "expected 'allow', 'skip' or 'replace'"), 'skip'),
    /** Where this schedule's attempts run, instead of the task's capacity. */
    capacity: v.optional(CapacityConfigSchema),
    enabled: v.optional(v.boolean('expected true or false'), true),
  },
  'a schedule: expression, task and optional timezone, env, timeout, retry, overlap, enabled',
);

const PriceSchema = strict(
  { vcpuHour: numberIn(0, 100), gbHour: numberIn(0, 100) },
  'an object with vcpuHour and gbHour (USD)',
);
const CapacityPricesSchema = strict(
  { FARGATE: v.optional(PriceSchema), FARGATE_SPOT: v.optional(PriceSchema) },
  'an object with FARGATE and FARGATE_SPOT prices',
);

export const ConfigSchema = strict(
  {
    /** Name of the app; resource names derive from it. */
    app: v.optional(
      v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,29}$/, 'expected a lowercase name (at most 30)')),
      'stevedore',
    ),
    tasks: namedMap(TaskSchema, 'tasks'),
    pipelines: v.optional(namedMap(PipelineSchema, 'pipelines'), {}),
    workers: v.optional(namedMap(WorkerSchema, 'workers'), {}),
    schedules: v.optional(namedMap(ScheduleSchema, 'schedules'), {}),
    /** USD prices per vCPU-hour and GB-hour, overriding the built-in table. */
    prices: v.optional(
      strict(
        { x86_64: v.optional(CapacityPricesSchema), arm64: v.optional(CapacityPricesSchema) },
        'an object with x86_64 and arm64 prices',
      ),
      {},
    ),
    /** More buckets the app's tasks use (results, say): created locally and by deploys like the pipelines' buckets. */
    buckets: v.optional(
      v.array(
        v.pipe(v.string('expected a bucket name'), v.regex(BUCKET_NAME, 'expected a valid S3 bucket name')),
        'expected a list of bucket names',
      ),
      [],
    ),
    /** Where tasks run on AWS: an existing VPC's subnets and security groups. Omitted: infra creates a VPC. */
    network: v.optional(
      strict(
        {
          vpcId: text('a VPC id'),
          subnets: nonEmptyList('a subnet id', 'subnet ids', 'subnet'),
          securityGroups: nonEmptyList('a security group id', 'security group ids', 'security group'),
          assignPublicIp: v.optional(v.boolean('expected true or false'), false),
        },
        'an object with vpcId, subnets, securityGroups and optional assignPublicIp',
      ),
    ),
    ledger: v.optional(
      strict({ retentionDays: v.optional(integerIn(1, 3650), 90) }, 'an object with retentionDays'),
      {},
    ),
    /** Job events of chosen states and sources to an SNS topic (see README, Job events). */
    notifications: v.optional(NotificationsSchema),
  },
  'a config object with tasks and optional pipelines, workers, schedules',
);

export type ConfigInput = v.InferInput<typeof ConfigSchema>;
export type Config = v.InferOutput<typeof ConfigSchema>;
export type TaskConfig = v.InferOutput<typeof TaskSchema>;
export type PipelineConfig = v.InferOutput<typeof PipelineSchema>;
export type WorkerConfig = v.InferOutput<typeof WorkerSchema>;
export type ScheduleConfig = v.InferOutput<typeof ScheduleSchema>;
export type RetryConfig = v.InferOutput<typeof RetrySchema>;
export type RetryRule = v.InferOutput<typeof RetryRuleSchema>;
export type NetworkConfig = NonNullable<Config['network']>;
export type ImageConfig = TaskConfig['image'];
export type Architecture = (typeof ARCHITECTURES)[number];
export type CapacityProvider = (typeof CAPACITY_PROVIDERS)[number];
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
