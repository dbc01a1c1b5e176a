import type { Architecture, CapacityProvider } from '../config/schema';
import { capacityOfTask } from './capacity';
import { attemptCost, type PriceTable } from './cost';
import type { AttemptRecord } from './job';
import type { FailureFacts } from './retry';
import type { TaskSnapshot } from './task-snapshot';

/**
 * Reasons Stevedore passes to StopTask. ECS echoes them back as `stoppedReason` in the STOPPED
 * event, which is how a task event alone tells a timeout or a cancellation from a failure.
 */
export const STOP_REASONS = {
  timeout: 'Stevedore: attempt exceeded its timeout',
  cancel: 'Stevedore: job cancelled',
  replaced: 'Stevedore: replaced by a newer run',
  /** A task started for an attempt the ledger had already ended (no job follows it). */
  superseded: 'Stevedore: attempt already ended',
} as const;
export type StopWhy = keyof typeof STOP_REASONS;

/** How a STOPPED task ended, judged on its own. */
export type TaskOutcome =
  | { kind: 'succeeded' }
  | { kind: 'timed-out'; reason: string }
  | { kind: 'cancelled'; reason: string }
  | { kind: 'failed'; reason: string; facts: FailureFacts };

/**
 * Judges a STOPPED task: stopped by Stevedore (timeout, cancel), or succeeded when every essential
 * container exited 0 and ECS stopped it because they exited, or failed.
 * `essential` names the essential containers; when empty, every container counts.
 */
export function taskOutcome(task: TaskSnapshot, essential: readonly string[] = []): TaskOutcome {
  const stoppedReason = task.stoppedReason ?? '';
  if (stoppedReason.startsWith(STOP_REASONS.timeout)) return { kind: 'timed-out', reason: stoppedReason };
  if (stoppedReason.startsWith(STOP_REASONS.cancel) || stoppedReason.startsWith(STOP_REASONS.replaced)) {
    return { kind: 'cancelled', reason: stoppedReason };
  }
  const containers =
    essential.length > 0 ? task.containers.filter((c) => essential.includes(c.name)) : task.containers;
  const exitedCleanly = containers.length > 0 && containers.every((c) => c.exitCode === 0);
  const stopCodeFine = task.stopCode === undefined || task.stopCode === 'EssentialContainerExited';
  if (exitedCleanly && stopCodeFine) return { kind: 'succeeded' };

  const failed = containers.find((c) => c.exitCode !== undefined && c.exitCode !== 0);
  const reasons = [stoppedReason, ...task.containers.map((c) => c.reason ?? '')].filter((r) => r !== '');
  const facts: FailureFacts = {
    ...(failed?.exitCode !== undefined ? { exitCode: failed.exitCode } : {}),
    ...(task.stopCode !== undefined ? { stopCode: task.stopCode } : {}),
    reasons,
  };
  return { kind: 'failed', reason: describeFailure(task, failed), facts };
}

function describeFailure(
  task: TaskSnapshot,
  failed: { name: string; exitCode?: number } | undefined,
): string {
  const parts: string[] = [];
  if (failed) parts.push(`container ${failed.name} exited with code ${failed.exitCode}`);
  if (task.stopCode) parts.push(task.stopCode);
  if (task.stoppedReason) parts.push(task.stoppedReason);
  return parts.length > 0 ? parts.join(': ') : 'task stopped';
}

export interface CostFacts {
  architecture: Architecture;
  prices: PriceTable;
  /** Used when the event does not carry cpu and memory. */
  cpu?: number;
  memory?: number;
}

/** The attempt as this task snapshot describes it, with its cost once it has stopped. */
export function attemptRecordOf(task: TaskSnapshot, attempt: number, cost: CostFacts): AttemptRecord {
  const cpu = task.cpu ?? cost.cpu;
  const memory = task.memory ?? cost.memory;
  // What ran it prices it: a task launched on Spot is billed at the Spot rate.
  const capacityProvider: CapacityProvider =
    task.capacityProviderName === 'FARGATE_SPOT' ? 'FARGATE_SPOT' : 'FARGATE';
  const asked = capacityOfTask(task.overrideEnv);
  const record: AttemptRecord = {
    attempt,
    taskArn: task.taskArn,
    lastStatus: task.lastStatus,
    version: task.version,
    containers: task.containers,
    capacityProvider,
    capacityAsked: asked.provider,
    capacityReason: asked.reason,
    ...(cpu !== undefined ? { cpu } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ...optional('createdAt', task.createdAt),
    ...optional('platformVersion', task.platformVersion),
    ...optional('pullStartedAt', task.pullStartedAt),
    ...optional('pullStoppedAt', task.pullStoppedAt),
    ...optional('startedAt', task.startedAt),
    ...optional('stoppingAt', task.stoppingAt),
    ...optional('stoppedAt', task.stoppedAt),
    ...optional('stopCode', task.stopCode),
    ...optional('stoppedReason', task.stoppedReason),
  };
  if (task.lastStatus === 'STOPPED' && cpu !== undefined && memory !== undefined) {
    const start = task.pullStartedAt ?? task.startedAt;
    record.cost = attemptCost(
      {
        cpu,
        memory,
        architecture: cost.architecture,
        capacityProvider,
        ...(start ? { billingStart: new Date(start) } : {}),
        ...(task.stoppedAt ? { stoppedAt: new Date(task.stoppedAt) } : {}),
      },
      cost.prices,
    );
  }
  return record;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]: string });
}
