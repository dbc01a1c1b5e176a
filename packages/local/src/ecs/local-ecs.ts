import { LocalRuntimeError } from '../errors';
import type { EcsContext } from './ecs-context';
import { listenEcsServer } from './ecs-server';
import { clusterArnOf, type EcsScope, taskIdOf } from './identifiers';
import { normalizeEcsOptions } from './local-ecs-options';
import { ServiceScheduler } from './services';
import { TaskProtection } from './task-protection';
import { TaskRecordFile, type TokenEntry } from './task-record-file';
import { TaskRunner } from './task-runner';
import { EcsThrottle } from './throttle';
import { TimerSet } from './timer-set';
import type { LocalEcs, LocalEcsOptions } from './types';

/*
 * `stevedore dev`'s ECS: an endpoint the real SDK talks to, running each task's container as a
 * local process. Recipe: check the options, listen, build the task runner, the protection and the
 * service scheduler around one timer set, then start the services.
 */

/** Starts the local ECS endpoint on 127.0.0.1; rejects with PortInUseError if the port is taken. */
export async function startLocalEcs(options: LocalEcsOptions): Promise<LocalEcs> {
  const config = normalizeEcsOptions(options);
  const scope: EcsScope = { region: config.region, accountId: config.accountId, cluster: config.cluster };
  const http = await listenEcsServer(config.port);
  const endpoint = `http://127.0.0.1:${http.port}`;
  const timers = new TimerSet();
  const throttle = new EcsThrottle(config.throttling);
  const chance = (rate: number) => () => rate > 0 && config.random() < rate;
  const capacityFails = chance(config.capacityFailureRate);
  const spotCapacityFails = chance(config.spotCapacityFailureRate);

  // What an earlier runtime on the same state dir left: its tasks and its RunTask clientTokens.
  const saved = config.stateFile
    ? TaskRecordFile.openAt(config.stateFile, {
        retentionMs: config.stoppedTaskRetentionMs,
        now: new Date(),
        onWriteError: (error) => config.onStateWriteError?.(error),
      })
    : undefined;
  let scheduler: ServiceScheduler | undefined;
  const runner = new TaskRunner({
    ...(saved ? { records: saved.file } : {}),
    ...(config.watch ? { watch: config.watch } : {}),
    scope,
    endpoint,
    logDir: config.logDir,
    baseEnv: config.baseEnv,
    ...(config.secretsFile !== undefined ? { secretsFile: config.secretsFile } : {}),
    stepDelayMs: config.stepDelayMs,
    stoppedTaskRetentionMs: config.stoppedTaskRetentionMs,
    spotInterrupts: chance(config.spotInterruptionRate),
    spotWarningMs: config.spotWarningMs,
    timers,
    emit: config.onTaskStateChange,
    ...(config.wantsTaskStateChange ? { wants: config.wantsTaskStateChange } : {}),
    onChange: (task) => scheduler?.onTaskChange(task),
  });
  const protection = new TaskProtection(scope, runner, timers, (task) =>
    scheduler?.onProtectionReleased(task),
  );
  scheduler = new ServiceScheduler(
    { scope, runner, throttle, timers, protection, capacityFails, spotCapacityFails },
    config.definitions,
    config.services,
  );
  const context: EcsContext = {
    scope,
    definitions: config.definitions,
    runner,
    scheduler,
    protection,
    throttle,
    capacityFails,
    spotCapacityFails,
    random: config.random,
    runTaskTokens: saved ? new SavedTokens(saved.file, saved.restored.tokens) : new Map(),
    persist: () => saved?.file.flush(),
  };
  if (saved) runner.restore(saved.restored.tasks);
  http.serve(context);
  scheduler.start();

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    clusterArn: clusterArnOf(scope),
    tasks: () => runner.views(),
    kill: (taskArn) => {
      const taskId = taskIdOf(scope, taskArn);
      const task = taskId === undefined ? undefined : runner.get(taskId);
      if (!task) throw new LocalRuntimeError(`no task ${taskArn} on the local ECS endpoint`);
      runner.kill(task);
    },
    close: () => {
      closing ??= (async () => {
        scheduler?.close();
        await Promise.all([runner.close(), http.close()]);
        saved?.file.close();
      })();
      return closing;
    },
  };
}

/** RunTask's clientTokens, each saved as it is bound, so a retried RunTask after a restart starts nothing new. */
class SavedTokens extends Map<string, TokenEntry> {
  constructor(
    private readonly file: TaskRecordFile,
    restored: ReadonlyMap<string, TokenEntry>,
  ) {
    super(restored);
  }

  override set(token: string, entry: TokenEntry): this {
    // Map's constructor calls set() before `file` is assigned: those entries are already saved.
    this.file?.saveToken(token, entry);
    return super.set(token, entry);
  }
}
