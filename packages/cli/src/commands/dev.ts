import { unwatchFile, watchFile } from 'node:fs';
import { resolve } from 'node:path';
import { type ConsoleServer, startConsole } from '@stevedore/console';
import { type Config, localRunIssues } from '@stevedore/core/config';
import { ConfigError } from '@stevedore/core/errors';
import { workerPolicy } from '@stevedore/core/scaling';
import { formatInZone, nextFireTimes } from '@stevedore/core/schedule';
import { HANDLERS, sweeper } from '@stevedore/functions';
import { type DevPorts, type DevRuntime, type Faults, parseFaults, startDevRuntime } from '@stevedore/local';
import { parseArgs } from '../lib/args';
import { consoleBackend } from '../lib/console-backend';
import { devLogger, jobColumn } from '../lib/dev-logger';
import { choosePorts, rememberPorts } from '../lib/dev-ports';
import { DEFAULT_CONFIG, loadConfig } from '../lib/load-config';
import { numberFlag } from '../lib/number-flag';
import { stepLine } from '../lib/step-line';
import { plural, renderTable } from '../lib/table';
import { resolveTarget, type Target } from '../lib/target';
import { followTaskOutput } from '../lib/task-output';

/** How long the config file must be still before a reload: editors write in more than one step. */
const RELOAD_SETTLE_MS = 300;

interface DevSettings {
  stateDir: string;
  faults: Faults;
  faultsText: string | undefined;
  tickMs: number;
  timeScale: number;
  configPath: string;
  verbose: boolean;
}

/** `stevedore dev`: starts everything, streams job transitions, reloads the config, stops on Ctrl-C. */
export async function dev(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG },
      'state-dir': { type: 'string', default: '.stevedore' },
      faults: { type: 'string' },
      port: { type: 'string' },
      tick: { type: 'string', default: '5' },
      'time-scale': { type: 'string', default: '1' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const port =
    values.port === undefined
      ? undefined
      : numberFlag('port', values.port, { min: 0, max: 65532, integer: true });
  const tick = numberFlag('tick', values.tick, { min: 0.1, max: 3600 });
  const timeScale = numberFlag('time-scale', values['time-scale'], { min: 1, max: 3600 });
  const faults = parseFaults(values.faults);
  const loaded = await loadRunnable(values.config);
  const settings: DevSettings = {
    stateDir: resolve(values['state-dir']),
    faults,
    faultsText: values.faults,
    tickMs: tick * 1000,
    timeScale,
    configPath: loaded.path,
    verbose: values.verbose,
  };

  const logger = devLogger({ verbose: values.verbose });
  process.stdout.write(`starting stevedore dev for ${loaded.path}...\n`);
  const choice = await choosePorts(settings.stateDir, port);
  if (choice.kind === 'any') process.stdout.write(`  (listening on any free ports: ${choice.why})\n`);
  let config = loaded.config;
  // The console listens first, so endpoints.json (written last, meaning ready) can name it; it answers
  // its API once the runtime is up and attached (again after each reload).
  const web: ConsoleServer = await startConsole({
    port: choice.kind === 'ports' ? (choice.ports.console ?? 0) : 0,
    logger,
  });
  let runtime: DevRuntime;
  try {
    runtime = await start(
      settings,
      config,
      logger,
      choice.kind === 'ports' ? choice.ports : undefined,
      web.url,
    );
  } catch (error) {
    await web.close();
    throw error;
  }
  let attached = await attachConsole(web, settings.stateDir, config);
  let ports = rememberPorts(settings.stateDir, runtime.endpoints, web.url);
  printBanner(settings, config, runtime, web.url);
  const stopOutput = followTaskOutput({
    logDir: runtime.endpoints.logDir,
    print: (taskId, line) => {
      const job = logger.jobOfTask(taskId);
      const who = job ? jobColumn(job, settings.verbose) : jobColumn(`task ${taskId.slice(0, 8)}`);
      process.stdout.write(`${new Date().toTimeString().slice(0, 8)}  ${who}  | ${line}\n`);
    },
  });

  // Config reloads, one at a time: a change during a reload is looked at once it is done.
  let reloading: Promise<void> = Promise.resolve();
  let settle: NodeJS.Timeout | undefined;
  let stopping = false;
  const reload = async () => {
    if (stopping) return;
    let next: Config;
    try {
      next = (await loadRunnable(settings.configPath)).config;
    } catch (error) {
      process.stdout.write(
        `\nconfig change not applied; still running the previous config. ${errorText(error)}\n\n`,
      );
      return;
    }
    if (JSON.stringify(next) === JSON.stringify(config)) return;
    process.stdout.write('\nconfig changed: restarting on it (same state dir, same ports)...\n');
    attached.close();
    await runtime.stop();
    try {
      runtime = await start(settings, next, logger, ports, web.url);
      config = next;
    } catch (error) {
      process.stdout.write(`the new config did not start (${errorText(error)}); back to the previous one\n`);
      runtime = await start(settings, config, logger, ports, web.url);
    }
    attached = await attachConsole(web, settings.stateDir, config);
    ports = rememberPorts(settings.stateDir, runtime.endpoints, web.url);
    printBanner(settings, config, runtime, web.url);
  };
  watchFile(settings.configPath, { interval: 500 }, (now, before) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
    clearTimeout(settle);
    settle = setTimeout(() => {
      reloading = reloading.then(reload).catch((error: unknown) => {
        process.stderr.write(`stevedore: reload failed: ${errorText(error)}\n`);
        process.exit(1);
      });
    }, RELOAD_SETTLE_MS);
  });

  return new Promise((done) => {
    const shutdown = (signal: string) => {
      if (stopping) {
        process.stdout.write('forced exit\n');
        process.exit(130);
      }
      stopping = true;
      unwatchFile(settings.configPath);
      clearTimeout(settle);
      process.stdout.write(`\n${signal}: stopping tasks and local AWS...\n`);
      reloading
        .then(() => web.close())
        .then(() => attached.close())
        .then(() => runtime.stop())
        .then(
          () => {
            stopOutput();
            process.stdout.write('stopped.\n');
            done(0);
          },
          (error: unknown) => {
            process.stderr.write(`error while stopping: ${errorText(error)}\n`);
            done(1);
          },
        );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    // A closed terminal: without this, node would exit at once and leave tasks and DynamoDB Local behind.
    process.on('SIGHUP', () => shutdown('SIGHUP'));
  });
}

/** The config, valid and with what the local runtime needs (a local command for every task). */
async function loadRunnable(path: string | undefined) {
  const loaded = await loadConfig(path);
  const issues = localRunIssues(loaded.config);
  if (issues.length > 0) throw new ConfigError(issues);
  return loaded;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The console's view of the running runtime, made again after a reload. */
async function attachConsole(web: ConsoleServer, stateDir: string, config: Config) {
  const target: Target = await resolveTarget({ 'state-dir': stateDir });
  const backend = consoleBackend(target, config);
  web.attach(backend.backend);
  return {
    close: () => {
      backend.close();
      target.client.destroy();
    },
  };
}

function start(
  settings: DevSettings,
  config: Config,
  logger: ReturnType<typeof devLogger>,
  ports: DevPorts | undefined,
  consoleUrl: string,
): Promise<DevRuntime> {
  return startDevRuntime({
    config,
    configDir: resolve(settings.configPath, '..'),
    configPath: settings.configPath,
    stateDir: settings.stateDir,
    // Sped-up schedules fire at times ahead of the real clock, which the missed-run check reads.
    handlers:
      settings.timeScale === 1
        ? HANDLERS
        : { ...HANDLERS, sweeper: (deps, context) => sweeper(deps, { missedRuns: false }, context) },
    logger,
    faults: settings.faults,
    ...(ports ? { ports } : { basePort: 0 }),
    tickMs: settings.tickMs,
    timeScale: settings.timeScale,
    // On stdout with the rest of the start: stderr keeps only the one line that says why a start failed.
    onStep: (step) => process.stdout.write(stepLine(step)),
    consoleUrl,
    // DynamoDB Local died and could not be started again: stop everything, and say so.
    onFatal: (error) => {
      process.stderr.write(`stevedore dev cannot go on: ${error.message}\n`);
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    },
  });
}

function printBanner(settings: DevSettings, config: Config, runtime: DevRuntime, consoleUrl: string): void {
  const e = runtime.endpoints;
  process.stdout.write(
    `\n${renderTable(
      [
        { what: 'S3', where: e.s3 },
        { what: 'SQS', where: e.sqs },
        { what: 'DynamoDB', where: `${e.dynamodb}  (table ${e.table})` },
        { what: 'ECS', where: `${e.ecs}  (cluster ${e.cluster})` },
        { what: 'state', where: `${e.stateDir}  (endpoints.json, logs/)` },
        { what: 'console', where: consoleUrl },
      ],
      [
        { header: 'ENDPOINT', cell: (r) => r.what },
        { header: 'URL', cell: (r) => r.where },
      ],
    )}\n\n`,
  );
  const watched = [
    ...Object.entries(config.pipelines).map(([name, p]) => ({
      name,
      kind: 'pipeline',
      source: `s3://${p.bucket}/${p.prefix}*${p.suffix}`,
      task: p.task,
      limits: `${p.concurrency ? `${p.concurrency} at once` : 'no cap'}, ${p.timeout} s, ${plural(p.retry.attempts, 'attempt')}`,
    })),
    ...Object.entries(config.workers).map(([name, w]) => {
      const policy = workerPolicy(w);
      return {
        name,
        kind: 'worker',
        source: `sqs://${w.queue}`,
        task: w.task,
        limits: `${w.min}..${w.max} tasks, ${plural(policy.messagesPerTask, 'message')} per task`,
      };
    }),
    ...Object.entries(config.schedules).map(([name, s]) => {
      const [next] = s.enabled
        ? nextFireTimes(s.expression, { after: new Date(), count: 1, timezone: s.timezone })
        : [];
      return {
        name,
        kind: 'schedule',
        source: `${s.expression} ${s.timezone}`,
        task: s.task,
        limits: `overlap ${s.overlap}, ${s.timeout} s, ${plural(s.retry.attempts, 'attempt')}${next ? `; next ${formatInZone(next, s.timezone)}` : s.enabled ? '' : '; disabled'}`,
      };
    }),
  ];
  if (settings.timeScale !== 1)
    process.stdout.write(`schedules run ${settings.timeScale}× faster than real time\n\n`);
  if (watched.length > 0) {
    process.stdout.write(
      `${renderTable(watched, [
        { header: 'WATCHING', cell: (r) => r.name },
        { header: 'KIND', cell: (r) => r.kind },
        { header: 'SOURCE', cell: (r) => r.source, shrink: true },
        { header: 'TASK', cell: (r) => r.task },
        { header: 'LIMITS', cell: (r) => r.limits, shrink: true },
      ])}\n\n`,
    );
  }
  if (settings.faultsText) process.stdout.write(`faults: ${settings.faultsText}\n\n`);
  process.stdout.write(
    `ready. Job transitions and task output follow${settings.verbose ? '' : ' (--verbose for every step)'}; the config reloads when saved; Ctrl-C stops every task and exits.\n\n`,
  );
}
