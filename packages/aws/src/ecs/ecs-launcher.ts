import {
  DescribeTasksCommand,
  ECSClient,
  type KeyValuePair,
  ListTasksCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import type { TaskSnapshot } from '@stevedore/core/job';
import type { DescribedTasks, LaunchedTask, LaunchRequest, TaskLauncher } from '@stevedore/core/ports';
import { EcsError, RunTaskError } from '../errors';
import { withoutSdkLogging } from '../sdk-logging';
import { type Rate, RateLimiter } from './rate-limiter';
import { exceptionToError, failureToError } from './run-task-errors';
import { snapshotOfTask } from './task-snapshot';

/** ECS allows 8,192 characters of overrides, JSON punctuation included. */
export const OVERRIDES_LIMIT = 8192;
const DESCRIBE_LIMIT = 100;
const STOP_REASON_LIMIT = 255;

export interface NetworkSettings {
  subnets: readonly string[];
  securityGroups: readonly string[];
  assignPublicIp: boolean;
}

export interface EcsLauncherOptions {
  cluster: string;
  /** Created from the environment when omitted (honours AWS_ENDPOINT_URL_ECS). */
  client?: ECSClient;
  /** awsvpc settings for Fargate tasks; omitted locally. */
  network?: NetworkSettings;
  /**
   * Pace of RunTask calls from this launcher. Default: ECS's Fargate quota, 20 calls per second (burst
   * and sustained). Pass a higher rate if your account's quota was raised.
   */
  runTaskRate?: Rate;
}

/** "The rate quota for calls to the Amazon ECS RunTask API is 20 calls per second (burst and sustained)." */
export const RUN_TASK_RATE: Rate = { perSecond: 20, burst: 20 };

/** RunTask takes a clientToken of up to 64 characters. */
const CLIENT_TOKEN_LIMIT = 64;

/**
 * The attempt's clientToken: `<jobId>:<attempt>`, and `:od` for its on-demand relaunch after a Spot
 * refusal. Too long (a 40-character source name, a two-digit attempt and the suffix), it keeps its
 * end: the job id's digest and the attempt, which are what make it unique.
 */
export function clientTokenOf(
  request: Pick<LaunchRequest, 'jobId' | 'attempt' | 'onDemandRelaunch'>,
): string {
  const token = `${request.jobId}:${request.attempt}${request.onDemandRelaunch ? ':od' : ''}`;
  return token.length <= CLIENT_TOKEN_LIMIT ? token : token.slice(token.length - CLIENT_TOKEN_LIMIT);
}

/** Starts, stops and inspects the tasks of jobs. */
export class EcsLauncher implements TaskLauncher {
  private readonly client: ECSClient;
  private readonly cluster: string;
  private readonly network: NetworkSettings | undefined;
  private readonly runTaskPace: RateLimiter;
  /**
   * Launches under way, by request: a second caller for the same attempt (the sweeper finding a job
   * whose handler still waits for a RunTask token) shares the first's call instead of spending a
   * token of ECS's rate bucket, and a turn in the pace, on a call whose clientToken can only return
   * the same task.
   */
  private readonly launching = new Map<string, Promise<LaunchedTask>>();

  constructor(options: EcsLauncherOptions) {
    this.client = options.client ?? withoutSdkLogging(new ECSClient({}));
    this.cluster = options.cluster;
    this.network = options.network;
    this.runTaskPace = new RateLimiter(options.runTaskRate ?? RUN_TASK_RATE);
  }

  /** The RunTask input for a request: pure, so tests can assert exactly what is sent. */
  runTaskInput(request: LaunchRequest): RunTaskCommandInput {
    // Sorted, so that every call for an attempt sends the same request whatever order the env was
    // built in (a job read back from DynamoDB has its map keys in another order): ECS answers a
    // clientToken reused with a different request with ConflictException.
    const environment: KeyValuePair[] = Object.entries(request.env)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value }));
    const overrides = { containerOverrides: [{ name: request.containerName, environment }] };
    const size = JSON.stringify(overrides).length;
    if (size > OVERRIDES_LIMIT) {
      throw new RunTaskError(
        'invalid',
        `container overrides are ${size} characters; ECS allows ${OVERRIDES_LIMIT} (shorten the environment)`,
      );
    }
    const tags = {
      'stevedore:job': request.jobId,
      'stevedore:attempt': String(request.attempt),
      ...request.tags,
    };
    return {
      cluster: this.cluster,
      taskDefinition: request.taskDefinition,
      count: 1,
      // The same attempt always carries the same token, so a retried handler gets the same task back.
      clientToken: clientTokenOf(request),
      startedBy: request.jobId,
      overrides,
      capacityProviderStrategy: [{ capacityProvider: request.capacityProvider, weight: 1 }],
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      enableECSManagedTags: true,
      propagateTags: 'TASK_DEFINITION',
      ...(this.network
        ? {
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: [...this.network.subnets],
                securityGroups: [...this.network.securityGroups],
                assignPublicIp: this.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
              },
            },
          }
        : {}),
    };
  }

  /** Starts the request's task, or shares the call already under way for the very same request. */
  async runTask(request: LaunchRequest): Promise<LaunchedTask> {
    const input = this.runTaskInput(request);
    // The whole input, not just the clientToken: ECS answers a token reused with another request
    // with a ConflictException, and a shared call must not hide that.
    const key = JSON.stringify(input);
    const under = this.launching.get(key);
    if (under) return under;
    const launch = this.sendRunTask(input).finally(() => this.launching.delete(key));
    this.launching.set(key, launch);
    return launch;
  }

  private async sendRunTask(input: RunTaskCommandInput): Promise<LaunchedTask> {
    let output: RunTaskCommandOutput;
    await this.runTaskPace.take();
    const command = new RunTaskCommand(input);
    // Inside the SDK's retries (finalizeRequest, after the retry middleware): every throttled try,
    // the ones the SDK retries too, empties the pace's model, so the calls queued behind this one
    // wait for ECS's refill instead of meeting the same refusal.
    command.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (exceptionToError(error).kind === 'throttling') this.runTaskPace.drain();
          throw error;
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'stevedoreRunTaskPace' },
    );
    try {
      output = await this.client.send(command);
    } catch (error) {
      const refusal = exceptionToError(error);
      if (refusal.kind !== 'throttling') throw refusal;
      // Throttled although paced: ECS's bucket holds fewer tokens than the pace's model of it. The
      // model is emptied, and the launch may be retried when it refills (milliseconds), not after
      // a backoff of seconds that would leave the bucket idle.
      const retryAfterMs = this.runTaskPace.drain();
      throw new RunTaskError('throttling', refusal.reason, { cause: error, retryAfterMs });
    }
    const task = output.tasks?.[0];
    if (task?.taskArn)
      return { taskArn: task.taskArn, ...(task.lastStatus ? { lastStatus: task.lastStatus } : {}) };
    const failure = output.failures?.[0];
    throw failure
      ? failureToError(failure)
      : new RunTaskError('unknown', 'RunTask returned neither a task nor a failure');
  }

  async stopTask(taskArn: string, reason: string): Promise<void> {
    try {
      await this.client.send(
        new StopTaskCommand({
          cluster: this.cluster,
          task: taskArn,
          reason: reason.slice(0, STOP_REASON_LIMIT),
        }),
      );
    } catch (error) {
      // A task ECS no longer knows is as stopped as it gets. (Not a missing cluster: that is an error.)
      if (
        error instanceof Error &&
        error.name === 'InvalidParameterException' &&
        /referenced task was not found/i.test(error.message)
      )
        return;
      throw new EcsError('StopTask', { cause: error });
    }
  }

  async describeTasks(taskArns: readonly string[]): Promise<DescribedTasks> {
    const tasks: TaskSnapshot[] = [];
    const missing: string[] = [];
    for (let i = 0; i < taskArns.length; i += DESCRIBE_LIMIT) {
      const chunk = taskArns.slice(i, i + DESCRIBE_LIMIT);
      try {
        const output = await this.client.send(
          new DescribeTasksCommand({ cluster: this.cluster, tasks: chunk }),
        );
        for (const task of output.tasks ?? []) {
          const snapshot = snapshotOfTask(task);
          if (snapshot) tasks.push(snapshot);
        }
        for (const failure of output.failures ?? []) {
          if (failure.reason === 'MISSING' && failure.arn) missing.push(failure.arn);
        }
      } catch (error) {
        throw new EcsError('DescribeTasks', { cause: error });
      }
    }
    return { tasks, missing };
  }

  async listTasks(startedBy: string): Promise<string[]> {
    const arns: string[] = [];
    // ListTasks filters on one desired status at a time; stopped tasks stay listed for about an hour.
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      let nextToken: string | undefined;
      do {
        try {
          const output = await this.client.send(
            new ListTasksCommand({
              cluster: this.cluster,
              startedBy,
              desiredStatus,
              ...(nextToken ? { nextToken } : {}),
            }),
          );
          arns.push(...(output.taskArns ?? []));
          nextToken = output.nextToken;
        } catch (error) {
          throw new EcsError('ListTasks', { cause: error });
        }
      } while (nextToken);
    }
    return arns;
  }
}
