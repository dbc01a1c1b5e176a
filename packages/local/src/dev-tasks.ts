import { isAbsolute, join } from 'node:path';
import {
  type Config,
  type ResourceNames,
  type SecretInput,
  sourceDefinition,
  taskDefinitionsOf,
} from '@stevedore/core/config';
import type { LocalServiceDefinition, LocalTaskDefinition } from './ecs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-account';

/*
 * The config's tasks and workers as the local ECS endpoint runs them: each container a local process,
 * with the environment a Fargate task would get from infra, pointed at the local stand-ins.
 */

/**
 * The task definitions of the config (each task's, and each source's that overrides its secrets),
 * each container a local process run from the config's directory. Secrets stay references, as the
 * config writes them: the local ECS endpoint resolves them when a task starts (see local-secrets.ts).
 */
export function taskDefinitions(
  config: Config,
  family: (task: string) => string,
  configDir: string,
  queueUrls: Record<string, string>,
  /** Seconds of image pull for tasks that do not set `local.pullSeconds` (the `pull` fault). */
  pullSeconds = 0,
): LocalTaskDefinition[] {
  // A worker's task finds its queue in its environment, as infra sets it on AWS.
  const queueOfTask = new Map(Object.values(config.workers).map((w) => [w.task, w.queue]));
  return taskDefinitionsOf(config).flatMap((definition) => {
    const name = definition.task;
    const task = config.tasks[name];
    if (!task) return [];
    const queue = queueOfTask.get(name);
    const queueUrl = queue ? queueUrls[queue] : undefined;
    const cwd = task.local?.cwd
      ? isAbsolute(task.local.cwd)
        ? task.local.cwd
        : join(configDir, task.local.cwd)
      : configDir;
    return {
      family: family(definition.name),
      containerName: task.containerName,
      image: typeof task.image === 'string' ? task.image : `built from ${task.image.context}`,
      cpu: task.cpu,
      memory: task.memory,
      architecture: task.architecture,
      env: { ...task.env, ...(queueUrl ? { STEVEDORE_QUEUE_URL: queueUrl } : {}), ...task.local?.env },
      ...(Object.keys(definition.secrets).length > 0 ? { secrets: references(definition.secrets) } : {}),
      stopTimeout: task.stopTimeout,
      ...((task.local?.pullSeconds ?? pullSeconds) > 0
        ? { pullSeconds: task.local?.pullSeconds ?? pullSeconds }
        : {}),
      cwd,
      ...(task.local ? { command: task.local.command } : {}),
    };
  });
}

/** The ECS service of each worker, started at its minimum: the scaling handlers own the count after. */
export function workerServices(config: Config, names: ResourceNames): LocalServiceDefinition[] {
  return Object.entries(config.workers).map(([name, worker]) => ({
    name: names.service(name),
    taskDefinition: names.taskFamily(sourceDefinition(config, 'worker', name) ?? worker.task),
    desiredCount: worker.min,
    // As infra declares it: FARGATE and FARGATE_SPOT weighted by spotPercent, no base.
    capacityProviderStrategy: [
      ...(worker.spotPercent < 100
        ? [{ capacityProvider: 'FARGATE' as const, base: 0, weight: 100 - worker.spotPercent }]
        : []),
      ...(worker.spotPercent > 0
        ? [{ capacityProvider: 'FARGATE_SPOT' as const, base: 0, weight: worker.spotPercent }]
        : []),
    ],
  }));
}

function references(secrets: Record<string, SecretInput>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secrets).map(([name, input]) => [
      name,
      typeof input === 'string' ? input : input.valueFrom,
    ]),
  );
}

/**
 * What every local container gets, in place of what a Fargate task would have: a PATH to run
 * programs, and the SDK's own endpoint variables so the task's AWS clients reach the local stand-ins.
 * Nothing else of this process's environment leaks in.
 */
export function containerEnv(endpoints: {
  s3: string;
  sqs: string;
  dynamodb: string;
}): Record<string, string> {
  const pick = (name: string) => (process.env[name] ? { [name]: process.env[name] as string } : {});
  return {
    ...pick('PATH'),
    ...pick('HOME'),
    ...pick('LANG'),
    ...pick('TMPDIR'),
    ...pick('SYSTEMROOT'),
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
