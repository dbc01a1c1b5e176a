import { EcsApiError } from '../errors';
import { type EcsScope, taskIdOf } from './identifiers';
import type { TaskRunner } from './task-runner';
import type { TimerSet } from './timer-set';
import type { TaskRecord } from './types';

/*
 * Task scale-in protection, as UpdateTaskProtection / GetTaskProtection and the agent's
 * task-protection endpoint set it (ECS API Reference, "UpdateTaskProtection"): only tasks of a
 * service can be protected ("Invoking this operation for a standalone task will result in an
 * TASK_NOT_VALID failure"); protection lasts `expiresInMinutes`, 1 to 2,880, default 120, and is
 * then cleared, which makes the task eligible for a later scale-in.
 */

export const DEFAULT_PROTECTION_MINUTES = 120;
export const MAX_PROTECTION_MINUTES = 2880;
/** UpdateTaskProtection takes up to 10 tasks, GetTaskProtection up to 100. */
export const UPDATE_PROTECTION_LIMIT = 10;
export const GET_PROTECTION_LIMIT = 100;

export interface ProtectedTaskEntry {
  taskArn: string;
  protectionEnabled: boolean;
  expirationDate?: Date;
}

export interface ProtectionFailure {
  arn: string;
  reason: string;
  detail?: string;
}

export interface ProtectionResult {
  protectedTasks: ProtectedTaskEntry[];
  failures: ProtectionFailure[];
}

/** Scale-in protection of service tasks, with expiry timers. */
export class TaskProtection {
  private readonly expiries = new Map<string, NodeJS.Timeout | undefined>();

  constructor(
    private readonly scope: EcsScope,
    private readonly runner: TaskRunner,
    private readonly timers: TimerSet,
    /** Called when a task's protection ends, so the scheduler can finish a scale-in. */
    private readonly onRelease: (task: TaskRecord) => void,
  ) {}

  /** Turns protection on (for `expiresInMinutes`) or off for each task. */
  update(references: readonly string[], enabled: boolean, expiresInMinutes?: number): ProtectionResult {
    if (expiresInMinutes !== undefined) {
      if (
        !Number.isInteger(expiresInMinutes) ||
        expiresInMinutes < 1 ||
        expiresInMinutes > MAX_PROTECTION_MINUTES
      ) {
        throw new EcsApiError(
          'InvalidParameterException',
          `expiresInMinutes must be an integer from 1 to ${MAX_PROTECTION_MINUTES}.`,
        );
      }
    }
    const minutes = expiresInMinutes ?? DEFAULT_PROTECTION_MINUTES;
    return this.each(references, (task) => {
      this.clear(task);
      if (enabled) {
        const until = Date.now() + minutes * 60_000;
        task.protectedUntil = until;
        this.expiries.set(
          task.taskId,
          this.timers.after(until - Date.now(), () => this.release(task), { unref: true }),
        );
      } else {
        this.onRelease(task);
      }
      return this.entry(task);
    });
  }

  /** The protection of each task. */
  get(references: readonly string[]): ProtectionResult {
    return this.each(references, (task) => this.entry(task));
  }

  /** True while the task is protected from scale-in. */
  isProtected(task: TaskRecord): boolean {
    return task.protectedUntil !== undefined && task.protectedUntil > Date.now();
  }

  private each(
    references: readonly string[],
    apply: (task: TaskRecord) => ProtectedTaskEntry,
  ): ProtectionResult {
    const result: ProtectionResult = { protectedTasks: [], failures: [] };
    for (const reference of references) {
      const taskId = taskIdOf(this.scope, reference);
      const task = taskId === undefined ? undefined : this.runner.get(taskId);
      if (!task) {
        result.failures.push({ arn: reference, reason: 'MISSING' });
      } else if (task.serviceName === undefined || task.desiredStatus !== 'RUNNING') {
        result.failures.push({
          arn: task.taskArn,
          reason: 'TASK_NOT_VALID',
          detail:
            task.serviceName === undefined
              ? 'The task is not part of an Amazon ECS service.'
              : 'The task is stopping or stopped.',
        });
      } else {
        result.protectedTasks.push(apply(task));
      }
    }
    return result;
  }

  private entry(task: TaskRecord): ProtectedTaskEntry {
    return this.isProtected(task) && task.protectedUntil !== undefined
      ? { taskArn: task.taskArn, protectionEnabled: true, expirationDate: new Date(task.protectedUntil) }
      : { taskArn: task.taskArn, protectionEnabled: false };
  }

  private release(task: TaskRecord): void {
    this.clear(task);
    this.onRelease(task);
  }

  private clear(task: TaskRecord): void {
    this.timers.cancel(this.expiries.get(task.taskId));
    this.expiries.delete(task.taskId);
    delete task.protectedUntil;
  }
}
