import {
  DescribeServicesCommand,
  ECSClient,
  GetTaskProtectionCommand,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { ServiceScaler, ServiceState } from '@stevedore/core/ports';
import { EcsError } from '../errors';

const PROTECTION_LIMIT = 100;

export interface EcsScalerOptions {
  cluster: string;
  /** Created from the environment when omitted (honours AWS_ENDPOINT_URL_ECS). */
  client?: ECSClient;
}

/** Reads and sets worker services' counts, and their tasks' scale-in protection. */
export class EcsScaler implements ServiceScaler {
  private readonly client: ECSClient;
  private readonly cluster: string;

  constructor(options: EcsScalerOptions) {
    this.client = options.client ?? new ECSClient({});
    this.cluster = options.cluster;
  }

  async describeService(service: string): Promise<ServiceState | undefined> {
    try {
      const output = await this.client.send(
        new DescribeServicesCommand({ cluster: this.cluster, services: [service] }),
      );
      const found = output.services?.[0];
      if (!found || found.status === 'INACTIVE') return undefined;
      const onDemand = found.capacityProviderStrategy?.find((item) => item.capacityProvider === 'FARGATE');
      // "(service x) was unable to place a task. Reason: Capacity is unavailable at this time..."
      const failure = found.events?.find((event) => /was unable to place a task/.test(event.message ?? ''));
      return {
        desired: found.desiredCount ?? 0,
        running: found.runningCount ?? 0,
        pending: found.pendingCount ?? 0,
        onDemandBase: onDemand?.base ?? 0,
        ...(failure?.createdAt ? { lastPlacementFailureAt: failure.createdAt.toISOString() } : {}),
      };
    } catch (error) {
      throw new EcsError('DescribeServices', { cause: error });
    }
  }

  async serviceTasks(service: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListTasksCommand({
            cluster: this.cluster,
            serviceName: service,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        arns.push(...(page.taskArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      throw new EcsError('ListTasks', { cause: error });
    }
    return arns;
  }

  async protectedTasks(taskArns: readonly string[]): Promise<number> {
    let count = 0;
    for (let i = 0; i < taskArns.length; i += PROTECTION_LIMIT) {
      try {
        const output = await this.client.send(
          new GetTaskProtectionCommand({
            cluster: this.cluster,
            tasks: taskArns.slice(i, i + PROTECTION_LIMIT),
          }),
        );
        count += (output.protectedTasks ?? []).filter((t) => t.protectionEnabled).length;
      } catch (error) {
        throw new EcsError('GetTaskProtection', { cause: error });
      }
    }
    return count;
  }

  async setDesiredCount(service: string, desired: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateServiceCommand({ cluster: this.cluster, service, desiredCount: desired }),
      );
    } catch (error) {
      throw new EcsError('UpdateService', { cause: error });
    }
  }

  async setOnDemandBase(service: string, base: number, spotPercent: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateServiceCommand({
          cluster: this.cluster,
          service,
          capacityProviderStrategy: onDemandStrategy(base, spotPercent),
          // A service takes a new strategy with a new deployment: its tasks are then placed by it
          // (the FARGATE base first), rather than only the replacements of tasks that stop.
          forceNewDeployment: true,
        }),
      );
    } catch (error) {
      throw new EcsError('UpdateService', { cause: error });
    }
  }
}

/** The strategy of a worker service: FARGATE with the base, and each provider weighted by the Spot share. */
export function onDemandStrategy(
  base: number,
  spotPercent: number,
): { capacityProvider: 'FARGATE' | 'FARGATE_SPOT'; base?: number; weight: number }[] {
  return [
    ...(spotPercent < 100 || base > 0
      ? [{ capacityProvider: 'FARGATE' as const, ...(base > 0 ? { base } : {}), weight: 100 - spotPercent }]
      : []),
    ...(spotPercent > 0 ? [{ capacityProvider: 'FARGATE_SPOT' as const, weight: spotPercent }] : []),
  ];
}
