import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { LOCAL_NETWORK_CONFIGURATION, type LocalEcsOptions, startLocalEcs } from '@stevedore/local';

/*
 * What the crash tests' child programs share: a real local ECS endpoint with one task definition,
 * `work`, whose state file and logs are in the test's state dir, and its one task started through
 * RunTask as the control plane starts it. The program then prints `launched <arn>` and waits for the
 * test to kill it.
 */

export interface OneTaskOptions {
  stateDir: string;
  logDir: string;
  /** The task's program: run as `node -e <program>`. */
  program: string;
  env: Record<string, string>;
  stopTimeout: number;
  watch: NonNullable<LocalEcsOptions['watch']>;
}

/** Starts the local ECS and its one task; prints `launched <task ARN>` once RunTask answered. */
export async function launchOneTask({ stateDir, logDir, program, env, stopTimeout, watch }: OneTaskOptions) {
  const ecs = await startLocalEcs({
    region: 'us-east-1',
    accountId: '111122223333',
    cluster: 'stevedore-local',
    taskDefinitions: [
      {
        family: 'work',
        containerName: 'main',
        image: 'work:local',
        cpu: 256,
        memory: 512,
        architecture: 'x86_64',
        stopTimeout,
        command: [process.execPath, '-e', program],
        env,
      },
    ],
    logDir,
    stateFile: `${stateDir}/ecs-tasks.jsonl`,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    onTaskStateChange: () => {},
    watch,
    stepDelayMs: 10,
  });
  const ecsClient = new ECSClient({
    endpoint: ecs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const output = await ecsClient.send(
    new RunTaskCommand({
      cluster: 'stevedore-local',
      taskDefinition: 'work',
      launchType: 'FARGATE',
      networkConfiguration: LOCAL_NETWORK_CONFIGURATION,
    }),
  );
  const launched = output.tasks?.[0]?.taskArn;
  if (!launched) throw new Error(`RunTask started nothing: ${JSON.stringify(output.failures)}`);
  process.stdout.write(`launched ${launched}\n`);
  return ecs;
}
