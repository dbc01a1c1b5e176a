import { TaskProtectionError, WorkerConfigError } from './errors';

/*
 * The ECS agent's task scale-in protection endpoint, as a container reaches it on Fargate
 * ("Amazon ECS task scale-in protection endpoint", ECS Developer Guide): `${ECS_AGENT_URI}/task-protection/v1/state`,
 * PUT {"ProtectionEnabled": bool, "ExpiresInMinutes": n} to set it, GET to read it. The agent answers
 * {"protection": {"ExpirationDate", "ProtectionEnabled", "TaskArn"}} when ECS accepted the call,
 * {"failure": {"Arn", "Reason", "Detail"}} (HTTP 200) when ECS listed the task under failures[]
 * (TASK_NOT_VALID for a task outside a service), and {"error": {"Arn", "Code", "Message"}} with a
 * 4xx/5xx status when the request or the ECS call failed. The agent calls UpdateTaskProtection for us,
 * so the task role needs no ecs: permission.
 */

/** A task's protection as the agent reports it. */
export interface ProtectionState {
  enabled: boolean;
  /** When the protection lapses; absent when it is off. */
  expiresAt?: Date;
  taskArn: string;
}

export interface TaskProtectionOptions {
  /** How long to wait for the agent, in milliseconds (default 5,000). */
  timeoutMs?: number;
}

/** ExpiresInMinutes bounds, from the endpoint's documentation: 1 minute to 48 hours. */
export const MIN_PROTECTION_MINUTES = 1;
export const MAX_PROTECTION_MINUTES = 2880;
const DEFAULT_TIMEOUT_MS = 5000;

type Operation = 'enable' | 'disable' | 'get';

/**
 * Scale-in protection of the task this process runs in, through the ECS agent endpoint. Without an
 * agent URI (a worker run outside ECS) every method is a no-op that resolves to undefined.
 */
export class TaskProtection {
  /** The protection of the task whose agent `env.ECS_AGENT_URI` names (ECS sets it in every container). */
  static fromEnvironment(
    env: Readonly<Record<string, string | undefined>> = process.env,
    options: TaskProtectionOptions = {},
  ): TaskProtection {
    return new TaskProtection(env.ECS_AGENT_URI || undefined, options);
  }

  readonly agentUri: string | undefined;
  private readonly stateUrl: string | undefined;
  private readonly timeoutMs: number;

  constructor(agentUri: string | undefined, options: TaskProtectionOptions = {}) {
    if (agentUri !== undefined && !/^https?:\/\/[^/]/.test(agentUri)) {
      throw new WorkerConfigError(
        'ECS_AGENT_URI',
        `expected an http(s) URL, got ${JSON.stringify(agentUri)}`,
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new WorkerConfigError('timeoutMs', 'expected a positive number of milliseconds');
    }
    this.agentUri = agentUri;
    this.stateUrl = agentUri && `${agentUri.replace(/\/+$/, '')}/task-protection/v1/state`;
    this.timeoutMs = timeoutMs;
  }

  /** True when there is an agent to talk to (the process runs in an ECS task). */
  get available(): boolean {
    return this.stateUrl !== undefined;
  }

  /**
   * Protects the task from scale-in for `expiresInMinutes` (1 to 2,880; the agent's default is 120).
   * Calling it again while protected restarts the period, which is how a long job renews it.
   */
  async enable(expiresInMinutes?: number): Promise<ProtectionState | undefined> {
    if (
      expiresInMinutes !== undefined &&
      (!Number.isInteger(expiresInMinutes) ||
        expiresInMinutes < MIN_PROTECTION_MINUTES ||
        expiresInMinutes > MAX_PROTECTION_MINUTES)
    ) {
      throw new WorkerConfigError(
        'expiresInMinutes',
        `expected an integer from ${MIN_PROTECTION_MINUTES} to ${MAX_PROTECTION_MINUTES}`,
      );
    }
    const body =
      expiresInMinutes === undefined
        ? { ProtectionEnabled: true }
        : { ProtectionEnabled: true, ExpiresInMinutes: expiresInMinutes };
    return this.call('enable', 'PUT', body);
  }

  /** Makes the task eligible for scale-in again. */
  disable(): Promise<ProtectionState | undefined> {
    return this.call('disable', 'PUT', { ProtectionEnabled: false });
  }

  /** The task's current protection. */
  get(): Promise<ProtectionState | undefined> {
    return this.call('get', 'GET');
  }

  private async call(
    operation: Operation,
    method: 'GET' | 'PUT',
    body?: Record<string, unknown>,
  ): Promise<ProtectionState | undefined> {
    if (this.stateUrl === undefined) return undefined;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.stateUrl, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new TaskProtectionError(operation, 'AgentUnreachable', this.stateUrl, { cause: error });
    }
    return parseAnswer(operation, response.status, text);
  }
}

function parseAnswer(operation: Operation, status: number, text: string): ProtectionState {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch (error) {
    throw new TaskProtectionError(operation, 'InvalidResponse', `HTTP ${status}, not JSON`, {
      cause: error,
      status,
    });
  }
  const { protection, failure, error } = isRecord(answer) ? answer : {};
  if (status === 200 && isRecord(protection)) {
    const expiration = protection.ExpirationDate;
    const state: ProtectionState = {
      enabled: protection.ProtectionEnabled === true,
      taskArn: typeof protection.TaskArn === 'string' ? protection.TaskArn : '',
    };
    if (state.enabled && typeof expiration === 'string') state.expiresAt = new Date(expiration);
    return state;
  }
  if (isRecord(failure)) {
    throw new TaskProtectionError(
      operation,
      stringOr(failure.Reason, 'Failure'),
      stringOr(failure.Detail, ''),
      {
        status,
      },
    );
  }
  if (isRecord(error)) {
    throw new TaskProtectionError(
      operation,
      stringOr(error.Code, `HTTP ${status}`),
      stringOr(error.Message, ''),
      {
        status,
      },
    );
  }
  const detail = typeof error === 'string' ? error : text.slice(0, 200);
  throw new TaskProtectionError(operation, `HTTP ${status}`, detail, { status });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
