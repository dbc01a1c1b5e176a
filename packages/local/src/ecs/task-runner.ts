import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { TaskStatus } from '@stevedore/core/job';
import { LocalRuntimeError } from '../errors';
import { readProcessTrail, type SpawnOutcome, signalGroup, spawnContainer } from './container-process';
import {
  containerArnOf,
  type EcsScope,
  newMacAddress,
  newTaskId,
  taskArnOf,
  taskDefinitionArnOf,
} from './identifiers';
import { resolveSecrets } from './local-secrets';
import { isProcessOfRuntime, type ProcessWatch, RUNTIME_ID_VARIABLE } from './runtime-watchdog';
import { taskStateChangeEvent, taskStateChangeRouting } from './task-events';
import type { TaskRecordFile } from './task-record-file';
import type { TimerSet } from './timer-set';
import {
  type CapacityProviderName,
  type LocalTaskDefinition,
  type LocalTaskView,
  SPOT_INTERRUPTED,
  SPOT_WARNING_MS,
  STOP_CODES,
  type StopCode,
  type Tag,
  type TaskOverrides,
  type TaskRecord,
} from './types';

/*
 * The process executor behind RunTask: each task walks the Fargate lifecycle one step per
 * `stepDelayMs`, emitting one Task State Change event per step with `version` + 1:
 *   PROVISIONING → PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED
 * A task that cannot start goes PROVISIONING → PENDING → STOPPED (TaskFailedToStart), and a task
 * stopped before its container was started goes straight to STOPPED. The container is a local
 * process spawned at the end of PENDING, the step in which Fargate pulls and starts containers.
 */

export interface TaskRunnerOptions {
  scope: EcsScope;
  /** http://127.0.0.1:<port> of the endpoint, for ECS_AGENT_URI and the metadata URI. */
  endpoint: string;
  logDir: string;
  baseEnv: Readonly<Record<string, string>>;
  /** Where definitions' secrets are resolved (see local-secrets.ts). */
  secretsFile?: string;
  stepDelayMs: number;
  stoppedTaskRetentionMs: number;
  /** Fault injection: true when a FARGATE_SPOT task that reaches RUNNING is interrupted. */
  spotInterrupts?: () => boolean;
  /** Longest wait from an interruption's warning to SIGKILL (Fargate: two minutes). */
  spotWarningMs?: number;
  /** Shared with the scheduler, so close() clears every timer of the endpoint. */
  timers: TimerSet;
  emit: (event: Record<string, unknown>) => void;
  /**
   * Asked before each event is built, with what routing it could depend on (taskStateChangeRouting):
   * false when nothing could receive it, so it is neither built nor emitted. Unset: every event is.
   */
  wants?: (routing: Record<string, unknown>) => boolean;
  /** Called after every change of a task (the service scheduler listens). */
  onChange?: (task: TaskRecord) => void;
  /**
   * Every change is saved here, and flushed before an event is emitted or the exit of a container is
   * taken in (the endpoint flushes before it answers), so a later start knows the task as it was seen.
   */
  records?: TaskRecordFile;
  /** Told of every container process, to kill them all if this process dies. */
  watch?: ProcessWatch;
}

export interface LaunchSpec {
  definition: LocalTaskDefinition;
  group: string;
  startedBy?: string;
  serviceName?: string;
  capacityProviderName?: CapacityProviderName;
  overrides: TaskOverrides;
  overrideEnv: ReadonlyArray<readonly [string, string]>;
  tags: Tag[];
}

interface ContainerProcess {
  pid: number;
  exited: Promise<number>;
  alive: boolean;
  killTimer?: NodeJS.Timeout | undefined;
}

/** Longest grace close() gives a process between SIGTERM and SIGKILL. */
const CLOSE_GRACE_MS = 5000;

/** Runs tasks through the Fargate lifecycle as local processes. */
export class TaskRunner {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly processes = new Map<string, ContainerProcess>();
  private readonly spawning = new Set<Promise<unknown>>();
  private readonly timers: TimerSet;
  private seq = 0;

  constructor(private readonly options: TaskRunnerOptions) {
    this.timers = options.timers;
  }

  /** Creates the task in PROVISIONING (version 1) and starts its lifecycle. */
  launch(spec: LaunchSpec): TaskRecord {
    const { scope } = this.options;
    const taskId = newTaskId();
    const now = new Date();
    this.seq += 1;
    const task: TaskRecord = {
      seq: this.seq,
      taskId,
      taskArn: taskArnOf(scope, taskId),
      definition: spec.definition,
      taskDefinitionArn: taskDefinitionArnOf(scope, spec.definition.family),
      containerArn: containerArnOf(scope, taskId),
      attachmentId: randomUUID(),
      eniId: `eni-${newTaskId().slice(0, 17)}`,
      macAddress: newMacAddress(),
      ...(spec.capacityProviderName ? { capacityProviderName: spec.capacityProviderName } : {}),
      group: spec.group,
      ...(spec.startedBy !== undefined ? { startedBy: spec.startedBy } : {}),
      ...(spec.serviceName !== undefined ? { serviceName: spec.serviceName } : {}),
      overrides: spec.overrides,
      overrideEnv: spec.overrideEnv,
      tags: spec.tags,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      version: 1,
      attachmentStatus: 'PRECREATED',
      containerStatus: 'PENDING',
      createdAt: now,
      updatedAt: now,
      logFile: join(this.options.logDir, `${taskId}.log`),
    };
    this.tasks.set(taskId, task);
    this.publish(task);
    void this.drive(task);
    return task;
  }

  get(taskId: string): TaskRecord | undefined {
    return this.tasks.get(taskId);
  }

  /** Every retained task, oldest first. */
  all(): TaskRecord[] {
    return [...this.tasks.values()];
  }

  views(): LocalTaskView[] {
    return this.all().map((task) => ({
      taskArn: task.taskArn,
      taskId: task.taskId,
      family: task.definition.family,
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
      ...(task.startedBy !== undefined ? { startedBy: task.startedBy } : {}),
      group: task.group,
      ...(task.pid !== undefined ? { pid: task.pid } : {}),
      protected: task.protectedUntil !== undefined,
      logFile: task.logFile,
      version: task.version,
    }));
  }

  /**
   * Sets the desired status to STOPPED (one event, lastStatus unchanged) and, if the container
   * runs, sends SIGTERM to its process group and SIGKILL after the task definition's stopTimeout.
   * Stopping a task that is already stopping changes nothing.
   */
  stop(
    task: TaskRecord,
    stopCode: StopCode,
    reason: string,
    graceMs = task.definition.stopTimeout * 1000,
  ): void {
    if (task.desiredStatus === 'STOPPED') return;
    const now = new Date();
    task.desiredStatus = 'STOPPED';
    task.stopCode = stopCode;
    task.stoppedReason = reason;
    task.stoppingAt = now;
    this.bump(task, now);
    this.signalStop(task, graceMs);
  }

  /**
   * Fargate Spot takes the task back: the warning is a task state change (desiredStatus STOPPED,
   * stopCode SpotInterruption) and SIGTERM to the container, then SIGKILL after the task's
   * stopTimeout, never later than the end of the warning.
   */
  interrupt(task: TaskRecord): void {
    const warningMs = this.options.spotWarningMs ?? SPOT_WARNING_MS;
    const graceMs = Math.min(task.definition.stopTimeout * 1000, warningMs);
    this.stop(task, STOP_CODES.spotInterruption, SPOT_INTERRUPTED, graceMs);
  }

  /** SIGKILLs the task's process group, as a crash would end the container. */
  kill(task: TaskRecord): void {
    const proc = this.processes.get(task.taskId);
    if (proc?.alive) signalGroup(proc.pid, 'SIGKILL');
  }

  /**
   * Takes in the tasks an earlier runtime on the same state dir left. Its unfinished ones cannot go on
   * (their containers were stopped by its watchdog, which recorded how they ended: see
   * runtime-watchdog.ts; one still alive is killed here), so each is reported STOPPED now, as ECS
   * reports a task whose container ended: with the exit code the container had, else as killed (137).
   * Its job then ends or retries by its own policy, and its work is never running twice.
   */
  restore(tasks: readonly TaskRecord[]): void {
    for (const task of tasks) {
      this.tasks.set(task.taskId, task);
      this.seq = Math.max(this.seq, task.seq);
    }
    for (const task of tasks) {
      if (task.lastStatus === 'STOPPED') this.forgetLater(task);
      else this.settleLeftover(task, 'the local runtime that ran it ended');
    }
  }

  /** Stops every process (SIGTERM, SIGKILL after min(stopTimeout, 5 s)); resolves once all exited. */
  async close(): Promise<void> {
    this.timers.close();
    await Promise.all([...this.spawning]);
    const exits: Promise<unknown>[] = [];
    for (const [taskId, proc] of this.processes) {
      if (!proc.alive) continue;
      const stopTimeout = this.tasks.get(taskId)?.definition.stopTimeout ?? 0;
      signalGroup(proc.pid, 'SIGTERM');
      const timer = setTimeout(
        () => signalGroup(proc.pid, 'SIGKILL'),
        Math.min(stopTimeout * 1000, CLOSE_GRACE_MS),
      );
      exits.push(proc.exited.finally(() => clearTimeout(timer)));
    }
    await Promise.all(exits);
    // Their end is reported now (journaled by the runtime, delivered after its next start), not left
    // for that start to guess.
    for (const task of this.tasks.values()) {
      if (task.lastStatus !== 'STOPPED') this.settleLeftover(task, 'the local runtime running it stopped');
    }
  }

  /**
   * Reports a task the runtime can no longer drive as STOPPED; see restore(). What the record lacks,
   * the spawner's trail may know: a process the runtime died before hearing of, and whether it
   * exited, and how. A container that finished its work before the crash thus ends as it ended, and
   * its job is not run again.
   */
  private settleLeftover(task: TaskRecord, why: string): void {
    const trail = readProcessTrail(trailFileOf(task));
    if (task.pid === undefined && trail.pid !== undefined) {
      task.pid = trail.pid;
      if (trail.runtimeId !== undefined) task.localRuntimeId = trail.runtimeId;
    }
    if (task.pid === trail.pid && task.containerExitCode === undefined && trail.exitCode !== undefined) {
      task.containerExitCode = trail.exitCode;
    }
    const pid = task.pid;
    if (pid !== undefined && task.localRuntimeId && isProcessOfRuntime(pid, task.localRuntimeId)) {
      signalGroup(pid, 'SIGKILL');
    }
    const now = new Date();
    if (pid === undefined) {
      task.desiredStatus = 'STOPPED';
      task.stopCode ??= STOP_CODES.taskFailedToStart;
      task.stoppedReason ??= `Task stopped before its container started: ${why}`;
      task.stoppingAt ??= now;
    } else {
      const exitCode = task.exitCode ?? task.containerExitCode;
      this.applyExit(task, exitCode ?? 137, task.executionStoppedAt ?? now);
      if (exitCode === undefined) {
        task.stoppedReason = `Essential container in task exited: killed because ${why}`;
      }
    }
    this.finish(task, now);
  }

  private async drive(task: TaskRecord): Promise<void> {
    const step = () => this.timers.sleep(this.options.stepDelayMs);
    // A function, not a comparison, so the check is read afresh after every await.
    const stopRequested = () => task.desiredStatus === 'STOPPED';
    if (!(await step())) return;
    // A task stopped before its container started goes straight to STOPPED.
    if (stopRequested()) return this.finish(task);
    this.advance(task, 'PENDING', (now) => {
      task.connectivityAt = now;
      task.attachmentStatus = 'ATTACHED';
    });
    if (!(await step())) return;
    if (stopRequested()) return this.finish(task);

    const container = await this.startContainer(task);
    if (container === undefined) return;
    this.advance(task, 'ACTIVATING', () => {});
    if (!(await step())) return;
    if (!stopRequested()) {
      this.advance(task, 'RUNNING', (now) => {
        task.startedAt = now;
        task.containerStatus = 'RUNNING';
      });
      if (task.capacityProviderName === 'FARGATE_SPOT' && this.options.spotInterrupts?.())
        this.interrupt(task);
    }

    const exitCode = await Promise.race([container.exited, this.timers.closed.then(() => undefined)]);
    if (exitCode === undefined) return;
    // The exit is applied here, not when it happens, so the events keep their order.
    this.advance(task, 'DEACTIVATING', (now) => this.applyExit(task, exitCode, now));
    for (const status of ['STOPPING', 'DEPROVISIONING'] as const) {
      if (!(await step())) return;
      this.advance(task, status, () => {
        if (status === 'DEPROVISIONING') task.attachmentStatus = 'DETACHING';
      });
    }
    if (!(await step())) return;
    this.finish(task);
  }

  /**
   * Spawns the container; resolves once it runs, with its exit (wrapped: an async function would
   * otherwise wait for a returned promise), or undefined when the task could not start.
   */
  private async startContainer(task: TaskRecord): Promise<{ exited: Promise<number> } | undefined> {
    const def = task.definition;
    task.pullStartedAt = new Date();
    // The image pull: as long as the definition says (local.pullSeconds), a StopTask ends it.
    if (def.pullSeconds && !(await this.timers.sleep(def.pullSeconds * 1000))) return undefined;
    if (!def.command || def.command.length === 0) {
      this.failToStart(
        task,
        `CannotPullContainerError: no local command is configured for image ${def.image} (task definition ${def.family})`,
      );
      return undefined;
    }
    // As ECS does while it pulls: the execution role reads the secrets, and a missing one stops the task.
    const secrets = await resolveSecrets(def.secrets ?? {}, this.options.secretsFile);
    if (this.timers.isClosing) return undefined;
    // StopTask while the secrets were read: the task stops as asked, not as a failed start. (A
    // function, not a comparison, so the check after the spawn below is not narrowed away.)
    const stopRequested = () => task.desiredStatus === 'STOPPED';
    if (stopRequested()) {
      this.finish(task);
      return undefined;
    }
    if (!secrets.ok) {
      this.failToStart(task, secrets.reason);
      return undefined;
    }
    const { watch } = this.options;
    if (watch) task.localRuntimeId = watch.runtimeId;
    const attempt = spawnContainer(
      {
        argv: def.command,
        ...(def.cwd !== undefined ? { cwd: def.cwd } : {}),
        env: this.containerEnv(task, secrets.env),
        logFile: task.logFile,
        trailFile: trailFileOf(task),
        // If the runtime dies, a watchdog that spawned the process stops it as close() would.
        stopGraceMs: Math.min(def.stopTimeout * 1000, CLOSE_GRACE_MS),
        ...(watch ? { runtimeId: watch.runtimeId } : {}),
        // A watch that is not the process's parent must be told of it.
        ...(watch && !watch.spawner ? { onSpawned: (pid: number) => watch.watchGroup(pid) } : {}),
      },
      watch?.spawner,
    ).then((outcome) => this.track(task, outcome));
    this.spawning.add(attempt);
    const outcome = await attempt.finally(() => this.spawning.delete(attempt));
    if (this.timers.isClosing) return undefined;
    if (!outcome.started) {
      this.failToStart(task, `CannotStartContainerError: ${outcome.error.message}`);
      return undefined;
    }
    task.pullStoppedAt = new Date();
    task.runtimeId = `${task.taskId}-${outcome.pid}`;
    // StopTask may have arrived while the process was starting.
    if (task.desiredStatus === 'STOPPED') this.signalStop(task, def.stopTimeout * 1000);
    return { exited: outcome.exited };
  }

  /** Records a started process; one that starts after close() is killed at once. */
  private async track(task: TaskRecord, outcome: SpawnOutcome): Promise<SpawnOutcome> {
    if (!outcome.started) return outcome;
    const proc: ContainerProcess = { pid: outcome.pid, exited: outcome.exited, alive: true };
    this.processes.set(task.taskId, proc);
    task.pid = outcome.pid;
    this.options.records?.saveTask(task);
    void outcome.exited.then((code) => {
      task.containerExitCode = code;
      // How the work ended is kept at once: a runtime that dies before the task's end is reported
      // must still report it so, and not run the work again.
      this.options.records?.saveTask(task);
      this.options.records?.flush();
      // A watch that spawned the process reaped it and knows; only one told of it must forget it.
      if (!this.options.watch?.spawner) this.options.watch?.forget(outcome.pid);
      proc.alive = false;
      this.timers.cancel(proc.killTimer);
      this.processes.delete(task.taskId);
    });
    if (this.timers.isClosing) {
      signalGroup(outcome.pid, 'SIGKILL');
      await outcome.exited;
    }
    return outcome;
  }

  /**
   * The container's environment: nothing is inherited from this process. Secret values go here and
   * nowhere else: not on the task record, so no response or event can carry them.
   */
  private containerEnv(task: TaskRecord, secrets: Readonly<Record<string, string>>): Record<string, string> {
    const { scope, endpoint, baseEnv } = this.options;
    const env: Record<string, string> = {
      AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
      AWS_REGION: scope.region,
      AWS_DEFAULT_REGION: scope.region,
      ...baseEnv,
      ...task.definition.env,
    };
    for (const [name, value] of task.overrideEnv) env[name] = value;
    Object.assign(env, secrets);
    // Injected by the ECS agent, so they win over everything else.
    env.ECS_AGENT_URI = `${endpoint}/api/${task.taskId}`;
    env.ECS_CONTAINER_METADATA_URI_V4 = `${endpoint}/v4/${task.taskId}`;
    if (this.options.watch) env[RUNTIME_ID_VARIABLE] = this.options.watch.runtimeId;
    return env;
  }

  private signalStop(task: TaskRecord, graceMs: number): void {
    const proc = this.processes.get(task.taskId);
    if (!proc?.alive || proc.killTimer !== undefined) return;
    signalGroup(proc.pid, 'SIGTERM');
    proc.killTimer = this.timers.after(graceMs, () => {
      if (proc.alive) signalGroup(proc.pid, 'SIGKILL');
    });
  }

  private applyExit(task: TaskRecord, exitCode: number, now: Date): void {
    task.exitCode = exitCode;
    task.executionStoppedAt = now;
    task.containerStatus = 'STOPPED';
    if (task.desiredStatus === 'RUNNING') {
      task.desiredStatus = 'STOPPED';
      task.stopCode = STOP_CODES.essentialContainerExited;
      task.stoppedReason = 'Essential container in task exited';
      task.stoppingAt = now;
    }
  }

  private failToStart(task: TaskRecord, reason: string): void {
    const now = new Date();
    task.desiredStatus = 'STOPPED';
    task.stopCode = STOP_CODES.taskFailedToStart;
    task.stoppedReason = reason;
    task.containerReason = reason;
    task.stoppingAt = now;
    this.finish(task, now);
  }

  private finish(task: TaskRecord, at = new Date()): void {
    this.advance(
      task,
      'STOPPED',
      (now) => {
        task.stoppedAt = now;
        task.containerStatus = 'STOPPED';
        task.attachmentStatus = 'DELETED';
      },
      at,
    );
    this.forgetLater(task);
  }

  /** A stopped task stays describable for the retention period, counted from when it stopped. */
  private forgetLater(task: TaskRecord): void {
    const stoppedAt = task.stoppedAt?.getTime() ?? Date.now();
    const left = Math.max(0, stoppedAt + this.options.stoppedTaskRetentionMs - Date.now());
    this.timers.after(left, () => this.tasks.delete(task.taskId), { unref: true });
  }

  private advance(task: TaskRecord, status: TaskStatus, apply: (now: Date) => void, now = new Date()): void {
    apply(now);
    task.lastStatus = status;
    this.bump(task, now);
  }

  private bump(task: TaskRecord, now: Date): void {
    task.updatedAt = now;
    task.version += 1;
    this.publish(task);
  }

  private publish(task: TaskRecord): void {
    const { records, wants, scope } = this.options;
    records?.saveTask(task);
    // Most steps of a job's task reach no rule: building their events was a large share of a
    // launch burst's CPU. Those that do are seen outside (a handler acts on their version), so the
    // record is written before them.
    try {
      if (!wants || wants(taskStateChangeRouting(scope, task))) {
        records?.flush();
        this.options.emit(taskStateChangeEvent(scope, task));
      }
    } catch (error) {
      // The listener's failure is its own; ECS keeps going, but it must not pass unnoticed.
      process.emitWarning(
        new LocalRuntimeError(`onTaskStateChange threw for ${task.taskArn}`, { cause: error }),
      );
    }
    this.options.onChange?.(task);
  }
}

/** Beside the task's log: <taskId>.process, the spawner's notes of its process (see container-process.ts). */
function trailFileOf(task: TaskRecord): string {
  return `${task.logFile.replace(/\.log$/, '')}.process`;
}
