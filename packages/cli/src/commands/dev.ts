import { parseArgs } from 'node:util';
import { type ConsoleServer, startConsole } from '@stevedore/console';
import { workerPolicy } from '@stevedore/core/scaling';
import { formatInZone, nextFireTimes } from '@stevedore/core/schedule';
import { HANDLERS, sweeper } from '@stevedore/functions';
import { type DevRuntime, parseFaults, startDevRuntime } from '@stevedore/local';
import { consoleBackend } from '../lib/console-backend';
import { devLogger } from '../lib/dev-logger';
import { DEFAULT_CONFIG, loadConfig } from '../lib/load-config';
import { numberFlag } from '../lib/number-flag';
import { stepLine } from '../lib/step-line';
import { renderTable } from '../lib/table';
import { resolveTarget } from '../lib/target';

export const DEV_USAGE = `stevedore dev [--config <path>] [--state-dir <dir>] [--faults <spec>] [--port <n>] [--tick <seconds>]
              [--time-scale <n>]

  Runs the whole control plane on this machine: DynamoDB Local, S3 and SQS stand-ins, a local ECS
  endpoint that runs each task as a local process, and the same handlers Lambda runs.

  --config      config file (default ${DEFAULT_CONFIG})
  --state-dir   ledger data, task logs and endpoints.json (default .stevedore)
  --faults      duplicate=<0..1>,reorder=<0..1>,capacity=<0..1>,throttle=on|off,
                spot=<0..1> (Spot RunTask refused for capacity), spot-interrupt=<0..1> (running Spot
                tasks interrupted), spot-warning=<seconds> (the interruption's notice, default 120),
                pull=<seconds> (each task's image pull, unless its local.pullSeconds says)
  --port        first port: S3/SQS on it, ECS on +1, DynamoDB on +2, the web console on +3
                (default 4566; 0 = any free ports)
  --tick        seconds between runs of the periodic handlers (default 5)
  --time-scale  run schedules this many times faster than real time, to watch a day's schedule in
                minutes (default 1; above 1, missed-run detection is off: it reads the real clock)`;

/** `stevedore dev`: starts everything, streams job transitions, stops cleanly on Ctrl-C. */
export async function dev(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG },
      'state-dir': { type: 'string', default: '.stevedore' },
      faults: { type: 'string' },
      port: { type: 'string', default: '4566' },
      tick: { type: 'string', default: '5' },
      'time-scale': { type: 'string', default: '1' },
    },
  });
  // --port is S3's; ECS, DynamoDB Local and the console take the next three.
  const port = numberFlag('port', values.port, { min: 0, max: 65532, integer: true });
  const tick = numberFlag('tick', values.tick, { min: 0.1, max: 3600 });
  const timeScale = numberFlag('time-scale', values['time-scale'], { min: 1, max: 3600 });
  const faults = parseFaults(values.faults);
  const { config, dir, path } = await loadConfig(values.config);

  const logger = devLogger();
  process.stdout.write(`starting stevedore dev for ${path}...\n`);
  // The console listens first, so endpoints.json (written last, meaning ready) can name it; it answers
  // its API once the runtime is up and attached.
  const web: ConsoleServer = await startConsole({ port: port === 0 ? 0 : port + 3, logger });
  let onFatal = (error: Error) => {
    process.stderr.write(`stevedore dev cannot go on: ${error.message}\n`);
  };
  let runtime: DevRuntime;
  try {
    runtime = await startDevRuntime({
      config,
      configDir: dir,
      stateDir: values['state-dir'],
      // Sped-up schedules fire at times ahead of the real clock, which the missed-run check reads.
      handlers:
        timeScale === 1
          ? HANDLERS
          : { ...HANDLERS, sweeper: (deps, context) => sweeper(deps, { missedRuns: false }, context) },
      logger,
      faults,
      basePort: port,
      tickMs: tick * 1000,
      timeScale,
      // On stdout with the rest of the start: stderr keeps only the one line that says why a start failed.
      onStep: (step) => process.stdout.write(stepLine(step)),
      consoleUrl: web.url,
      // DynamoDB Local died and could not be started again: stop everything, and say so.
      onFatal: (error) => onFatal(error),
    });
  } catch (error) {
    await web.close();
    throw error;
  }
  const target = await resolveTarget({ 'state-dir': values['state-dir'] });
  const backend = consoleBackend(target, config);
  web.attach(backend.backend);

  const e = runtime.endpoints;
  process.stdout.write(
    `\n${renderTable(
      [
        { what: 'S3', where: e.s3 },
        { what: 'SQS', where: e.sqs },
        { what: 'DynamoDB', where: `${e.dynamodb}  (table ${e.table})` },
        { what: 'ECS', where: `${e.ecs}  (cluster ${e.cluster})` },
        { what: 'state', where: `${e.stateDir}  (endpoints.json, logs/)` },
        { what: 'console', where: web.url },
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
      limits: `${p.concurrency ? `${p.concurrency} at once` : 'no cap'}, ${p.timeout} s, ${p.retry.attempts} attempts`,
    })),
    ...Object.entries(config.workers).map(([name, w]) => {
      const policy = workerPolicy(w);
      return {
        name,
        kind: 'worker',
        source: `sqs://${w.queue}`,
        task: w.task,
        limits: `${w.min}..${w.max} tasks, ${policy.messagesPerTask} messages per task`,
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
        limits: `overlap ${s.overlap}, ${s.timeout} s, ${s.retry.attempts} attempts${next ? `; next ${formatInZone(next, s.timezone)}` : s.enabled ? '' : '; disabled'}`,
      };
    }),
  ];
  if (timeScale !== 1) process.stdout.write(`schedules run ${timeScale}× faster than real time\n\n`);
  if (watched.length > 0) {
    process.stdout.write(
      `${renderTable(watched, [
        { header: 'WATCHING', cell: (r) => r.name },
        { header: 'KIND', cell: (r) => r.kind },
        { header: 'SOURCE', cell: (r) => r.source },
        { header: 'TASK', cell: (r) => r.task },
        { header: 'LIMITS', cell: (r) => r.limits },
      ])}\n\n`,
    );
  }
  const activeFaults = Object.entries(faults).filter(([k, v]) => (k === 'throttle' ? v === false : v !== 0));
  if (activeFaults.length > 0) process.stdout.write(`faults: ${values.faults}\n\n`);
  process.stdout.write('ready. Job transitions follow; Ctrl-C stops every task and exits.\n\n');

  return new Promise((resolve) => {
    let stopping = false;
    let exitCode = 0;
    const shutdown = (signal: string) => {
      if (stopping) {
        process.stdout.write('forced exit\n');
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`\n${signal}: stopping tasks and local AWS...\n`);
      web
        .close()
        .then(() => {
          backend.close();
          target.client.destroy();
        })
        .then(() => runtime.stop())
        .then(
          () => {
            process.stdout.write('stopped.\n');
            resolve(exitCode);
          },
          (error: unknown) => {
            process.stderr.write(
              `error while stopping: ${error instanceof Error ? error.message : String(error)}\n`,
            );
            resolve(1);
          },
        );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    // A closed terminal: without this, node would exit at once and leave tasks and DynamoDB Local behind.
    process.on('SIGHUP', () => shutdown('SIGHUP'));
    const reportFatal = onFatal;
    onFatal = (error) => {
      reportFatal(error);
      exitCode = 1;
      if (!stopping) shutdown('fatal');
    };
  });
}
