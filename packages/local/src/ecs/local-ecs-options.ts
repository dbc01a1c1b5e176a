import { LocalConfigError } from '../errors';
import {
  type LocalEcsOptions,
  type LocalServiceDefinition,
  type LocalTaskDefinition,
  SPOT_WARNING_MS,
} from './types';

/*
 * The options of startLocalEcs, checked before anything starts: unknown keys are errors (a typo
 * must not be silently ignored), and each problem names its key.
 */

export interface NormalizedEcsOptions extends LocalEcsOptions {
  definitions: ReadonlyMap<string, LocalTaskDefinition>;
  services: readonly LocalServiceDefinition[];
  throttling: boolean;
  capacityFailureRate: number;
  spotCapacityFailureRate: number;
  spotInterruptionRate: number;
  spotWarningMs: number;
  random: () => number;
  stepDelayMs: number;
  port: number;
  stoppedTaskRetentionMs: number;
}

const OPTION_KEYS = [
  'region',
  'accountId',
  'cluster',
  'taskDefinitions',
  'services',
  'logDir',
  'baseEnv',
  'secretsFile',
  'onTaskStateChange',
  'wantsTaskStateChange',
  'throttling',
  'capacityFailureRate',
  'spotCapacityFailureRate',
  'spotInterruptionRate',
  'spotWarningMs',
  'random',
  'stepDelayMs',
  'port',
  'stoppedTaskRetentionMs',
  'stateFile',
  'watch',
  'onStateWriteError',
];
const DEFINITION_KEYS = [
  'family',
  'containerName',
  'image',
  'cpu',
  'memory',
  'architecture',
  'env',
  'secrets',
  'stopTimeout',
  'pullSeconds',
  'command',
  'cwd',
];
const SERVICE_KEYS = [
  'name',
  'taskDefinition',
  'desiredCount',
  'capacityProvider',
  'capacityProviderStrategy',
];
const NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** Fargate's largest stopTimeout. */
const MAX_STOP_TIMEOUT = 120;

/** Validates the options and fills in the defaults; throws LocalConfigError. */
export function normalizeEcsOptions(options: LocalEcsOptions): NormalizedEcsOptions {
  onlyKeys('options', options, OPTION_KEYS);
  check('region', /^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region), 'expected a Region such as us-east-1');
  check('accountId', /^\d{12}$/.test(options.accountId), 'expected a 12-digit account ID');
  check(
    'cluster',
    NAME.test(options.cluster),
    'expected up to 255 letters, numbers, hyphens and underscores',
  );
  check('logDir', typeof options.logDir === 'string' && options.logDir !== '', 'expected a directory');
  check('baseEnv', isStringRecord(options.baseEnv), 'expected an object of strings');
  check(
    'secretsFile',
    options.secretsFile === undefined ||
      (typeof options.secretsFile === 'string' && options.secretsFile !== ''),
    'expected a file path',
  );
  check('onTaskStateChange', typeof options.onTaskStateChange === 'function', 'expected a function');
  check(
    'wantsTaskStateChange',
    options.wantsTaskStateChange === undefined || typeof options.wantsTaskStateChange === 'function',
    'expected a function',
  );
  const rate = options.capacityFailureRate ?? 0;
  check('capacityFailureRate', rate >= 0 && rate <= 1, 'expected a probability from 0 to 1');
  const spotRate = options.spotCapacityFailureRate ?? 0;
  check('spotCapacityFailureRate', spotRate >= 0 && spotRate <= 1, 'expected a probability from 0 to 1');
  const interruptionRate = options.spotInterruptionRate ?? 0;
  check(
    'spotInterruptionRate',
    interruptionRate >= 0 && interruptionRate <= 1,
    'expected a probability from 0 to 1',
  );
  const spotWarningMs = options.spotWarningMs ?? SPOT_WARNING_MS;
  check('spotWarningMs', Number.isFinite(spotWarningMs) && spotWarningMs >= 0, 'expected milliseconds');
  const stepDelayMs = options.stepDelayMs ?? 100;
  check('stepDelayMs', Number.isFinite(stepDelayMs) && stepDelayMs >= 0, 'expected milliseconds');
  const port = options.port ?? 0;
  check('port', Number.isInteger(port) && port >= 0 && port < 65536, 'expected a TCP port');

  const definitions = new Map<string, LocalTaskDefinition>();
  options.taskDefinitions.forEach((definition, index) => {
    checkDefinition(`taskDefinitions.${index}`, definition);
    check(`taskDefinitions.${index}.family`, !definitions.has(definition.family), 'duplicate family');
    definitions.set(definition.family, definition);
  });
  const services = options.services ?? [];
  const names = new Set<string>();
  services.forEach((service, index) => {
    const at = `services.${index}`;
    onlyKeys(at, service, SERVICE_KEYS);
    check(
      `${at}.name`,
      NAME.test(service.name) && !names.has(service.name),
      'expected a unique service name',
    );
    names.add(service.name);
    check(
      `${at}.taskDefinition`,
      definitions.has(service.taskDefinition),
      'expected the family of a task definition',
    );
    check(
      `${at}.desiredCount`,
      Number.isInteger(service.desiredCount) && service.desiredCount >= 0,
      'expected an integer ≥ 0',
    );
    check(
      `${at}.capacityProvider`,
      service.capacityProvider === undefined ||
        ['FARGATE', 'FARGATE_SPOT'].includes(service.capacityProvider),
      'expected FARGATE or FARGATE_SPOT',
    );
    check(
      `${at}.capacityProviderStrategy`,
      service.capacityProviderStrategy === undefined ||
        (service.capacityProviderStrategy.length > 0 &&
          service.capacityProviderStrategy.every(
            (item) =>
              ['FARGATE', 'FARGATE_SPOT'].includes(item.capacityProvider) &&
              Number.isInteger(item.base) &&
              item.base >= 0 &&
              Number.isInteger(item.weight) &&
              item.weight >= 0,
          ) &&
          service.capacityProviderStrategy.some((item) => item.weight > 0 || item.base > 0)),
      'expected FARGATE or FARGATE_SPOT items with integer base and weight, one of them above 0',
    );
  });

  return {
    ...options,
    definitions,
    services,
    throttling: options.throttling ?? true,
    capacityFailureRate: rate,
    spotCapacityFailureRate: spotRate,
    spotInterruptionRate: interruptionRate,
    spotWarningMs,
    random: options.random ?? Math.random,
    stepDelayMs,
    port,
    stoppedTaskRetentionMs: options.stoppedTaskRetentionMs ?? 60 * 60 * 1000,
  };
}

function checkDefinition(at: string, definition: LocalTaskDefinition): void {
  onlyKeys(at, definition, DEFINITION_KEYS);
  check(
    `${at}.family`,
    NAME.test(definition.family),
    'expected up to 255 letters, numbers, hyphens and underscores',
  );
  check(`${at}.containerName`, NAME.test(definition.containerName), 'expected a container name');
  check(`${at}.image`, typeof definition.image === 'string' && definition.image !== '', 'expected an image');
  check(`${at}.cpu`, Number.isInteger(definition.cpu) && definition.cpu > 0, 'expected CPU units');
  check(`${at}.memory`, Number.isInteger(definition.memory) && definition.memory > 0, 'expected MiB');
  check(
    `${at}.architecture`,
    ['x86_64', 'arm64'].includes(definition.architecture),
    'expected x86_64 or arm64',
  );
  check(`${at}.env`, isStringRecord(definition.env), 'expected an object of strings');
  check(
    `${at}.secrets`,
    definition.secrets === undefined || isStringRecord(definition.secrets),
    'expected an object of environment variable name: secret reference',
  );
  check(
    `${at}.stopTimeout`,
    Number.isFinite(definition.stopTimeout) &&
      definition.stopTimeout >= 0 &&
      definition.stopTimeout <= MAX_STOP_TIMEOUT,
    `expected seconds from 0 to ${MAX_STOP_TIMEOUT}`,
  );
  check(
    `${at}.pullSeconds`,
    definition.pullSeconds === undefined ||
      (Number.isFinite(definition.pullSeconds) &&
        definition.pullSeconds >= 0 &&
        definition.pullSeconds <= 600),
    'expected seconds from 0 to 600',
  );
  check(
    `${at}.command`,
    definition.command === undefined ||
      (Array.isArray(definition.command) && definition.command.every((arg) => typeof arg === 'string')),
    'expected an argv array of strings',
  );
}

function onlyKeys(at: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new LocalConfigError(`${at}.${key}`, 'unknown option');
  }
}

function check(key: string, ok: boolean, problem: string): void {
  if (!ok) throw new LocalConfigError(key, problem);
}

function isStringRecord(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((item) => typeof item === 'string')
  );
}
