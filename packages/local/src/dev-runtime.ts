import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDeps, createWorkerAdapters, ensureLedgerTable, withoutSdkLogging } from '@stevedore/aws';
import type { HandlerDeps, HandlerFactory } from '@stevedore/control';
import { type Config, LOCAL_STAGE, type ResourceNames, resourceNames } from '@stevedore/core/config';
import { eventRoutes, type HandlerName, periodicRoutes } from '@stevedore/core/events';
import type { JobEventPublisher, Logger } from '@stevedore/core/ports';
import { startAlarmEvaluator } from './alarm-evaluator';
import { DEAD_LETTERS_FILE } from './bus/dead-letter-file';
import { DurableEvents } from './bus/durable-events';
import { type BusTarget, EventBus } from './bus/event-bus';
import { EVENT_JOURNAL_FILE, EventJournal } from './bus/event-journal';
import { containerEnv, taskDefinitions, workerServices } from './dev-tasks';
import { DynamoDbSupervisor } from './dynamodb-supervisor';
import { type LocalEcs, startLocalEcs } from './ecs';
import {
  awaitPreviousWatchdog,
  PREVIOUS_WATCHDOG_WAIT_MS,
  previousWatchdog,
  RuntimeWatchdog,
  WATCHDOG_FILE,
} from './ecs/runtime-watchdog';
import { ECS_TASKS_FILE } from './ecs/task-record-file';
import { StateDirWriteError } from './errors';
import type { Faults } from './faults';
import { NO_FAULTS } from './faults';
import { startJobEventStream } from './job-events/job-event-stream';
import { JOB_EVENTS_FILE, LocalJobEvents } from './job-events/local-job-events';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_NETWORK, LOCAL_REGION } from './local-account';
import { type ScheduleClock, startLocalScheduler } from './local-scheduler';
import { type OnStop, type StartStep, StartSteps } from './start-steps';
import { lockStateDir } from './state-dir-lock';
import { type LocalS3Sqs, startLocalS3Sqs } from './storage';
import { workerQueues } from './worker-queues';

/*
 * `stevedore dev`: the whole control plane on one machine. DynamoDB Local, an S3/SQS stand-in and the
 * local ECS endpoint speak the real AWS protocols; the same handlers Lambda runs are invoked by a local
 * bus on the same EventBridge patterns, with the same SDK clients pointed at the local endpoints.
 */

/** In the state dir: the values of the config's secrets, by reference (see README, Secrets). */
export const SECRETS_FILE = 'secrets.json';

export interface DevRuntimeOptions {
  config: Config;
  /** Directory of the config file: local commands run from there. */
  configDir: string;
  stateDir: string;
  handlers: Record<HandlerName, HandlerFactory>;
  logger: Logger;
  faults?: Faults;
  /** First port: S3/SQS on it, ECS on +1, DynamoDB on +2. 0 picks free ports. */
  basePort?: number;
  /** Each service's own port, over basePort: the CLI keeps a state dir's ports across restarts. */
  ports?: DevPorts;
  /** The config file, written to endpoints.json so the CLI reads the config this runtime runs. */
  configPath?: string;
  /** How often the periodic handlers run locally (AWS: every minute). */
  tickMs?: number;
  /** Pause between task lifecycle steps. */
  stepDelayMs?: number;
  /** How much faster than real time schedules run (a demo of a nightly job in seconds). */
  timeScale?: number;
  /**
   * Called when the runtime cannot go on (DynamoDB Local died and could not be started again): the
   * caller should stop it and say why. Without one, the error is logged.
   */
  onFatal?: (error: Error) => void;
  /** Called as each start step (DynamoDB Local, S3/SQS, ECS, ...) ends, failed or not: for progress. */
  onStep?: (step: StartStep) => void;
  /** The web console's URL (with its secret), when the caller serves one: written to endpoints.json. */
  consoleUrl?: string;
}

/** The ports of the local services. */
export interface DevPorts {
  s3: number;
  ecs: number;
  dynamodb: number;
}

/** What `<state-dir>/endpoints.json` holds: everything a client needs to reach the local runtime. */
export interface EndpointsFile {
  region: string;
  accountId: string;
  s3: string;
  sqs: string;
  dynamodb: string;
  ecs: string;
  table: string;
  cluster: string;
  clusterArn: string;
  buckets: string[];
  queues: Record<string, string>;
  pipelines: { name: string; bucket: string; prefix: string; suffix: string }[];
  stateDir: string;
  logDir: string;
  pid: number;
  /** The clock schedules fire by (sped up with --time-scale), so the CLI shows their next times on it. */
  scheduleClock: ScheduleClock;
  /** The web console `stevedore dev` serves, its URL carrying the run's secret for actions. */
  console?: string;
  /** The config file this runtime runs, when it was started from one. */
  config?: string;
}

export interface DevRuntime {
  endpoints: EndpointsFile;
  deps: HandlerDeps;
  ecs: LocalEcs;
  storage: LocalS3Sqs;
  bus: EventBus;
  /** Stops timers, the bus, every task, and the local AWS; removes endpoints.json. */
  stop(): Promise<void>;
}

/** Starts everything and writes endpoints.json once it is ready. */
export async function startDevRuntime(options: DevRuntimeOptions): Promise<DevRuntime> {
  const setup = normalizeOptions(options);
  const steps = new StartSteps(options.onStep);
  // Job events and the periodic ticks go to the bus once it is up; what the endpoints acknowledge
  // (objects stored, task state changes) is journaled first and waits there for the bus.
  let connected: EventBus | undefined;
  const publish = (event: unknown) => void connected?.put(event);

  try {
    // Quick and certain, so not reported as steps: one runtime per state dir; then the watchdog, which
    // stops whatever a runtime that dies leaves running; then the journal. Stopped last, in reverse.
    // Between the lock and the watchdog, a step only after a crash: the previous watchdog's end.
    lockState(setup, steps.onStop);
    await awaitPreviousRuntime(setup, steps);
    const watchdog = startWatchdog(setup, steps.onStop);
    const durable = openJournal(setup, steps.onStop);
    const dynamo = await steps.run('DynamoDB Local', (onStop) =>
      startDynamo(
        setup,
        watchdog,
        { pause: () => connected?.pause(), resume: () => connected?.resume() },
        onStop,
      ),
    );
    const storage = await steps.run('S3/SQS', (onStop) =>
      startStorage(setup, (event) => durable.publish(event), onStop),
    );
    const ecs = await steps.run('ECS', (onStop) =>
      startEcs(
        setup,
        { dynamo, storage, watchdog },
        {
          publish: (event) => publishTaskEvent(setup, durable, event),
          wants: (routing) => durable.mayWant(routing),
        },
        onStop,
      ),
    );
    const clients = createClients({ dynamo, storage, ecs }, steps.onStop);
    await steps.run('tables', () => ensureLedgerTable(clients.dynamodb, setup.names.table));
    // Job events go on the bus once it is up, and to events.jsonl (see startJobEventStream).
    const jobEvents = new LocalJobEvents({
      file: join(setup.stateDir, JOB_EVENTS_FILE),
      publish,
      print: (line) => setup.logger.info(line),
    });
    const deps = localDeps(setup, clients, storage.queueUrls, jobEvents);
    const bus = await steps.run('handlers', (onStop) => startBus(setup, deps, ecs.clusterArn, onStop));
    connected = bus;
    durable.connect(bus);
    await steps.run('job events', (onStop) =>
      startJobEventStream(
        {
          endpoint: dynamo.endpoint,
          dynamodb: clients.dynamodb,
          table: setup.names.table,
          stateDir: setup.stateDir,
          deps,
        },
        onStop,
      ),
    );
    const clock = await steps.run('timers', (onStop) => startTimers(setup, bus, deps, storage, onStop));
    const running = { dynamo, storage, ecs, scheduleClock: clock };
    const endpoints = await steps.run('endpoints.json', (onStop) => writeEndpoints(setup, running, onStop));
    return {
      endpoints,
      deps,
      ecs,
      storage,
      bus,
      stop: () => steps.stop(),
    };
  } catch (error) {
    // The start failed: that error is the one to report; the cleanup's own failures are logged.
    await steps
      .stop()
      .catch((cleanupError: unknown) =>
        options.logger.warn('cleanup after a failed start failed too', { error: String(cleanupError) }),
      );
    throw error;
  }
}

/** The options with their defaults, and the names and paths every step shares. */
interface DevSetup extends DevRuntimeOptions {
  faults: Faults;
  /** Absolute; holds the ledger's data, the objects, the task logs and endpoints.json. */
  stateDir: string;
  logDir: string;
  names: ResourceNames;
  /** `{ port: basePort + offset }`, or `{}` for a free port. */
  port(offset: number): { port?: number };
  /** The ARN of the EventBridge rule with this id, as infra names it. */
  ruleArn(id: string): string;
}

/** Resolves the options once, and makes the state and log directories. */
function normalizeOptions(options: DevRuntimeOptions): DevSetup {
  const stateDir = resolve(options.stateDir);
  const logDir = join(stateDir, 'logs');
  try {
    mkdirSync(logDir, { recursive: true });
  } catch (error) {
    throw StateDirWriteError.from(writeFailureOf(error, stateDir), stateDir);
  }
  const names = resourceNames(options.config.app, LOCAL_STAGE);
  return {
    ...options,
    faults: options.faults ?? NO_FAULTS,
    stateDir,
    logDir,
    names,
    port: (offset) => {
      const own = options.ports && [options.ports.s3, options.ports.ecs, options.ports.dynamodb][offset];
      if (own) return { port: own };
      return options.basePort ? { port: options.basePort + offset } : {};
    },
    ruleArn: (id) => `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${names.prefix}-${id}`,
  };
}

/**
 * The bus's journal (see bus/event-journal.ts). Opened first and closed last, after ECS, whose closing
 * still reports task state changes: those are journaled and delivered after the next start.
 */
function openJournal(setup: DevSetup, onStop: OnStop): DurableEvents {
  const journal = EventJournal.openAt(join(setup.stateDir, EVENT_JOURNAL_FILE));
  onStop(() => journal.close());
  return new DurableEvents(journal);
}

/**
 * A task state change that cannot be journaled (a full disk) is still delivered, only not durably:
 * the RunTask or StopTask that caused it has already happened, and the sweeper reconciles the job
 * with DescribeTasks if this delivery is lost too.
 */
function publishTaskEvent(setup: DevSetup, durable: DurableEvents, event: unknown): void {
  try {
    // Written before ECS answers, which a crash of this process cannot undo; the fsync follows
    // without holding the answer (the task's record is also in ecs-tasks.jsonl).
    durable
      .publish(event)
      .catch((error: unknown) =>
        setup.logger.warn("task state change written but not fsync'd", { error: String(error) }),
      );
  } catch (error) {
    setup.logger.error('task state change not journaled; delivered without the journal', {
      error: error instanceof Error ? error.message : String(error),
    });
    durable.deliverUnjournaled(event);
  }
}

/**
 * Takes the state dir's lock (see state-dir-lock.ts). An endpoints.json found now was left by a runtime
 * that died: it names endpoints nobody serves, so it goes until this one is ready.
 */
function lockState(setup: DevSetup, onStop: OnStop): void {
  const lock = lockStateDir(setup.stateDir);
  onStop(() => lock.release());
  rmSync(join(setup.stateDir, 'endpoints.json'), { force: true });
}

/**
 * A runtime that was killed left its watchdog stopping its tasks (see ecs/runtime-watchdog.ts): their
 * trails are final, and DynamoDB Local's port free, only once it exits. Waited for as a start step, as
 * it can take a task's stopTimeout (≤ 5 s); past the bound it is killed, and the tasks whose end it had
 * not recorded are reported killed.
 */
async function awaitPreviousRuntime(setup: DevSetup, steps: StartSteps): Promise<void> {
  const previous = previousWatchdog(setup.stateDir);
  if (!previous) return;
  // Shown by default: the start pauses, and the reason is a crash the user may not know of.
  setup.logger.warn(
    `the runtime that used ${setup.stateDir} before was killed; waiting (up to ${PREVIOUS_WATCHDOG_WAIT_MS / 1000} s) for its watchdog, pid ${previous.pid}, to stop its tasks and record how they ended`,
  );
  await steps.run('previous tasks', async () => {
    if (await awaitPreviousWatchdog(previous)) return;
    setup.logger.warn(
      `the previous runtime's watchdog (pid ${previous.pid}) did not exit in ${PREVIOUS_WATCHDOG_WAIT_MS / 1000} s and was killed; its tasks still running are reported killed`,
    );
  });
}

/** The parent of this runtime's tasks, which stops them and DynamoDB Local if it dies (see ecs/runtime-watchdog.ts). */
function startWatchdog(setup: DevSetup, onStop: OnStop): RuntimeWatchdog {
  const watchdog = RuntimeWatchdog.start();
  onStop(() => {
    watchdog.close();
    // Stopped in order, the tasks have ended already: the next start has nothing to wait for.
    rmSync(join(setup.stateDir, WATCHDOG_FILE), { force: true });
  });
  try {
    watchdog.recordIn(setup.stateDir);
  } catch (error) {
    // Closed by the failed start's cleanup, registered above.
    throw StateDirWriteError.from(error, setup.stateDir);
  }
  return watchdog;
}

/**
 * mkdir -p on a read-only file system answers ENOENT (it gives up on the missing directory, not on the
 * write): what the nearest existing directory says about writing is the real reason.
 */
function writeFailureOf(error: unknown, path: string): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    if (!existsSync(dir)) continue;
    try {
      accessSync(dir, constants.W_OK);
      return error;
    } catch (denied) {
      return denied;
    }
  }
  return error;
}

/**
 * The ledger's engine: AWS's own DynamoDB Local, its data kept in the state dir across restarts,
 * started again if it dies, with deliveries held meanwhile (see dynamodb-supervisor.ts).
 */
async function startDynamo(
  setup: DevSetup,
  watchdog: RuntimeWatchdog,
  deliveries: { pause: () => void; resume: () => void },
  onStop: OnStop,
): Promise<DynamoDbSupervisor> {
  const dynamo = await DynamoDbSupervisor.start({
    dataDir: join(setup.stateDir, 'dynamodb'),
    ...setup.port(2),
    watch: watchdog,
    logger: setup.logger,
    onDown: deliveries.pause,
    onUp: deliveries.resume,
    onFatal: setup.onFatal ?? ((error) => setup.logger.error(error.message)),
  });
  onStop(() => dynamo.stop());
  return dynamo;
}

/** The app's buckets and the workers' queues with their dead-letter queues; each new object becomes the S3 event EventBridge carries. */
async function startStorage(
  setup: DevSetup,
  publish: (event: unknown) => void,
  onStop: OnStop,
): Promise<LocalS3Sqs> {
  const storage = await startLocalS3Sqs({
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    dataDir: join(setup.stateDir, 's3'),
    buckets: appBuckets(setup.config),
    queues: workerQueues(setup.config, { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT }),
    onObjectCreated: publish,
    ...setup.port(0),
  });
  onStop(() => storage.close());
  return storage;
}

/** The cluster tasks run on: each task a local process, its state changes sent as ECS sends them. */
async function startEcs(
  setup: DevSetup,
  {
    dynamo,
    storage,
    watchdog,
  }: { dynamo: DynamoDbSupervisor; storage: LocalS3Sqs; watchdog: RuntimeWatchdog },
  {
    publish,
    wants,
  }: { publish: (event: unknown) => void; wants: (routing: Record<string, unknown>) => boolean },
  onStop: OnStop,
): Promise<LocalEcs> {
  const { config, names, faults } = setup;
  const ecs = await startLocalEcs({
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    cluster: names.cluster,
    taskDefinitions: taskDefinitions(
      config,
      names.taskFamily,
      setup.configDir,
      storage.queueUrls,
      faults.pullSeconds,
    ),
    services: workerServices(config, names),
    logDir: setup.logDir,
    // The local stand-in for Secrets Manager and SSM: `{ "<reference>": "<value>" }`, kept by the user.
    secretsFile: join(setup.stateDir, SECRETS_FILE),
    baseEnv: containerEnv({ s3: storage.endpoint, sqs: storage.endpoint, dynamodb: dynamo.endpoint }),
    onTaskStateChange: publish,
    // Most task state changes reach no rule: they are not built at all (see DurableEvents.mayWant).
    wantsTaskStateChange: wants,
    // Tasks and clientTokens outlive a restart; the containers do not outlive the runtime.
    stateFile: join(setup.stateDir, ECS_TASKS_FILE),
    watch: watchdog,
    onStateWriteError: (error) =>
      setup.logger.error('the local ECS cannot save its tasks; a crash now would forget them', {
        error: error.message,
      }),
    throttling: faults.throttle,
    capacityFailureRate: faults.capacity,
    spotCapacityFailureRate: faults.spot,
    spotInterruptionRate: faults.spotInterrupt,
    spotWarningMs: faults.spotWarningSeconds * 1000,
    ...(setup.stepDelayMs !== undefined ? { stepDelayMs: setup.stepDelayMs } : {}),
    ...setup.port(1),
  });
  onStop(() => ecs.close());
  return ecs;
}

/** The SDK clients of the handlers and the ledger, the same Lambda uses, aimed at the local endpoints. */
interface LocalClients {
  dynamodb: DynamoDBClient;
  ecs: ECSClient;
  sqs: SQSClient;
}

/** Creates the local clients once, for every handler; they are destroyed when the runtime stops. */
function createClients(
  { dynamo, storage, ecs }: { dynamo: DynamoDbSupervisor; storage: LocalS3Sqs; ecs: LocalEcs },
  onStop: OnStop,
): LocalClients {
  const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const clients = {
    dynamodb: withoutSdkLogging(new DynamoDBClient({ ...config, endpoint: dynamo.endpoint })),
    // The launcher paces RunTask at ECS's quota; the SDK's standard retries absorb what throttling is left.
    ecs: withoutSdkLogging(new ECSClient({ ...config, endpoint: ecs.endpoint, maxAttempts: 5 })),
    sqs: withoutSdkLogging(new SQSClient({ ...config, endpoint: storage.endpoint })),
  };
  onStop(() => {
    clients.dynamodb.destroy();
    clients.ecs.destroy();
    clients.sqs.destroy();
  });
  return clients;
}

/** The handlers' dependencies, from the one composition root every entry point uses, on the local clients. */
function localDeps(
  setup: DevSetup,
  clients: LocalClients,
  queueUrls: Record<string, string>,
  jobEvents: JobEventPublisher,
): HandlerDeps {
  const { config, names, logger } = setup;
  return createDeps({
    config,
    names,
    clients: { dynamodb: clients.dynamodb, ecs: clients.ecs },
    network: LOCAL_NETWORK,
    workers: createWorkerAdapters({
      cluster: names.cluster,
      clients: { sqs: clients.sqs, ecs: clients.ecs },
      queueUrls,
    }),
    jobEvents,
    logger,
  });
}

/** The EventBridge stand-in: each handler on its rule's pattern, retried and dead-lettered as on AWS. */
function startBus(setup: DevSetup, deps: HandlerDeps, clusterArn: string, onStop: OnStop): EventBus {
  const { config, faults, logger } = setup;
  const stopping = new AbortController();
  const targets: BusTarget[] = eventRoutes(config, {
    clusterArn,
    ruleArn: setup.ruleArn,
    stage: LOCAL_STAGE,
  }).map((route) => ({
    name: route.id,
    pattern: route.pattern,
    handler: setup.handlers[route.handler](deps, { signal: stopping.signal }),
  }));
  const bus = new EventBus({
    targets,
    deadLetterFile: join(setup.stateDir, DEAD_LETTERS_FILE),
    faults: { duplicate: faults.duplicate, reorder: faults.reorder },
    onFailure: ({ target, attempt, error, final }) =>
      logger.warn(final ? 'event dead-lettered' : 'handler failed, retrying', {
        handler: target,
        attempt,
        error: error instanceof Error ? error.message : String(error),
      }),
    onDeadLetterWriteFailed: (error) =>
      logger.error('dead letter not written; the event stays in the journal for the next start', {
        error: error.message,
      }),
  });
  onStop(() => bus.close());
  // Runs before the bus closes (cleanups run newest first): a sweep under way stops and gives its lease back.
  onStop(() => stopping.abort());
  return bus;
}

/**
 * What fires on a clock on AWS: the rate rules of the periodic handlers, the workers' depth alarms and
 * the config's schedules. Returns the clock the schedules fire by.
 */
function startTimers(
  setup: DevSetup,
  bus: EventBus,
  deps: HandlerDeps,
  storage: LocalS3Sqs,
  onStop: OnStop,
): ScheduleClock {
  const { config, names } = setup;
  // EventBridge rate rules, faster: the periodic handlers run every tickMs.
  const timers = periodicRoutes(config).map((route) =>
    setInterval(() => void bus.put(scheduledEvent(setup.ruleArn(route.id))), setup.tickMs ?? 5000),
  );
  onStop(() => {
    for (const timer of timers) clearInterval(timer);
  });
  // CloudWatch depth alarms: evaluated every second over the local queues.
  const stopAlarms = startAlarmEvaluator({
    alarms: Object.entries(config.workers).map(([name, worker]) => ({
      name: names.depthAlarm(name),
      queue: worker.queue,
    })),
    visible: (queue) => storage.queueDepth(queue).visible,
    publish: (event) => void bus.put(event),
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
  });
  onStop(stopAlarms);
  // EventBridge Scheduler: each schedule invokes the schedule-fired handler directly.
  const scheduleTarget: BusTarget = {
    name: 'schedule-fired',
    pattern: {},
    handler: setup.handlers['schedule-fired'](deps),
  };
  const scheduler = startLocalScheduler({
    schedules: Object.entries(config.schedules).map(([name, s]) => ({
      name,
      expression: s.expression,
      timezone: s.timezone,
      enabled: s.enabled,
    })),
    fire: (input) => bus.invoke(scheduleTarget, input),
    ...(setup.timeScale !== undefined ? { timeScale: setup.timeScale } : {}),
  });
  onStop(() => scheduler.stop());
  return scheduler.clock;
}

/** endpoints.json: how the CLI and the tests find a running `stevedore dev`; written last, it means ready. */
function writeEndpoints(
  setup: DevSetup,
  running: { dynamo: DynamoDbSupervisor; storage: LocalS3Sqs; ecs: LocalEcs; scheduleClock: ScheduleClock },
  onStop: OnStop,
): EndpointsFile {
  const { config, names } = setup;
  const endpoints: EndpointsFile = {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    s3: running.storage.endpoint,
    sqs: running.storage.endpoint,
    dynamodb: running.dynamo.endpoint,
    ecs: running.ecs.endpoint,
    table: names.table,
    cluster: names.cluster,
    clusterArn: running.ecs.clusterArn,
    buckets: appBuckets(config),
    queues: running.storage.queueUrls,
    pipelines: Object.entries(config.pipelines).map(([name, p]) => ({
      name,
      bucket: p.bucket,
      prefix: p.prefix,
      suffix: p.suffix,
    })),
    stateDir: setup.stateDir,
    logDir: setup.logDir,
    pid: process.pid,
    scheduleClock: running.scheduleClock,
    ...(setup.consoleUrl ? { console: setup.consoleUrl } : {}),
    ...(setup.configPath ? { config: setup.configPath } : {}),
  };
  const path = join(setup.stateDir, 'endpoints.json');
  // Written whole, then renamed: its existence means ready, so a reader polling for it (the CLI, the
  // tests) must never see a half-written file.
  const partial = `${path}.${process.pid}.partial`;
  // Readable by its owner only: the console's URL in it carries the secret that allows actions.
  writeFileSync(partial, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, path);
  onStop(() => rmSync(path, { force: true }));
  return endpoints;
}

/** An EventBridge "Scheduled Event" as a rate rule emits it. */
function scheduledEvent(ruleArn: string): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [ruleArn],
    detail: {},
  };
}

/** Every bucket of the app: the pipelines' and the config's own. */
function appBuckets(config: Config): string[] {
  return [...new Set([...Object.values(config.pipelines).map((p) => p.bucket), ...config.buckets])].sort();
}
