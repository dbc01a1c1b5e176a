import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@stevedore/core/ports';
import { type RunningDynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import type { ProcessWatch } from './ecs/runtime-watchdog';
import { LocalRuntimeError } from './errors';

/*
 * DynamoDB Local under supervision. It is a separate java process and can die on its own (killed, out
 * of memory); every handler then fails and, unnoticed, every event would exhaust its retries into the
 * dead-letter file. So its exit is watched: deliveries are held (onDown), it is started again on the
 * same port and data directory, and deliveries resume (onUp). If it cannot be started again, the
 * runtime is told (onFatal) and stops with that error, rather than run on without its ledger.
 */

export interface DynamoDbSupervisorOptions {
  dataDir: string;
  /** The first start's port; 0 or undefined for a free one. Restarts reuse whichever it got. */
  port?: number;
  watch: ProcessWatch;
  logger: Logger;
  /** It died: hold what would fail against it. */
  onDown: () => void;
  /** It answers again. */
  onUp: () => void;
  /** It died and could not be started again. */
  onFatal: (error: Error) => void;
}

/** Restarts tried before giving up, with a growing pause between them. */
const RESTARTS = 3;

export class DynamoDbSupervisor {
  private stopping = false;
  /** The java process of a restart under way, not yet answering. */
  private starting: number | undefined;

  private constructor(
    private current: RunningDynamoDbLocal,
    private readonly options: DynamoDbSupervisorOptions,
  ) {
    this.watchExit(current);
  }

  /** Starts DynamoDB Local and watches it. */
  static async start(options: DynamoDbSupervisorOptions): Promise<DynamoDbSupervisor> {
    const first = await startDynamoDbLocal({
      dataDir: options.dataDir,
      ...(options.port ? { port: options.port } : {}),
      // Watched from the start: a runtime killed while java starts must not leave it behind.
      onSpawned: (pid) => options.watch.watchProcess(pid),
    });
    return new DynamoDbSupervisor(first, options);
  }

  get endpoint(): string {
    return this.current.endpoint;
  }

  get port(): number {
    return this.current.port;
  }

  /** The java process's id (it changes with a restart). */
  get pid(): number {
    return this.current.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // A restart under way would outlive the runtime: end it (its start then fails, and gives up).
    if (this.starting !== undefined) {
      try {
        process.kill(this.starting, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await this.current.stop();
    this.options.watch.forget(this.current.pid);
  }

  private watchExit(running: RunningDynamoDbLocal): void {
    void running.exited.then((code) => {
      if (this.stopping || running !== this.current) return;
      void this.recover(running, code);
    });
  }

  private async recover(dead: RunningDynamoDbLocal, code: number | null): Promise<void> {
    const { logger, watch } = this.options;
    watch.forget(dead.pid);
    logger.error(
      `DynamoDB Local exited unexpectedly (${exitText(code)}); starting it again on port ${dead.port}`,
    );
    this.options.onDown();
    let lastError: unknown;
    for (let attempt = 1; attempt <= RESTARTS && !this.stopping; attempt++) {
      try {
        const next = await startDynamoDbLocal({
          dataDir: this.options.dataDir,
          port: dead.port,
          onSpawned: (pid) => {
            this.starting = pid;
            watch.watchProcess(pid);
          },
        }).finally(() => {
          this.starting = undefined;
        });
        if (this.stopping) {
          await next.stop();
          return;
        }
        this.current = next;
        this.watchExit(next);
        logger.info('DynamoDB Local is back; held events are delivered again');
        this.options.onUp();
        return;
      } catch (error) {
        lastError = error;
        await sleep(1000 * attempt);
      }
    }
    if (this.stopping) return;
    const why = lastError instanceof Error ? lastError.message : String(lastError);
    this.options.onFatal(
      new LocalRuntimeError(
        `DynamoDB Local exited (${exitText(code)}) and could not be started again after ${RESTARTS} tries: ${why}`,
        { cause: lastError },
      ),
    );
  }
}

function exitText(code: number | null): string {
  return code === null ? 'killed by a signal' : `exit code ${code}`;
}
