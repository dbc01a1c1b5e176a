import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EcsScaler, SqsDeadLetters, SqsGauge } from '@stevedore/aws';
import { type Config, deadLetterQueueName, LOCAL_STAGE, resourceNames } from '@stevedore/core/config';
import type { DecisionRecord } from '@stevedore/core/ports';
import { parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { loadConfig } from '../lib/load-config';
import { numberFlag } from '../lib/number-flag';
import { formatTime, renderTable, timeHeader } from '../lib/table';
import { localClientConfig, resolveTarget, TARGET_OPTIONS } from '../lib/target';
import { deadLetterWarnings, listDeadLetters, redriveDeadLetters } from './dead-letters';
import { WORKERS_USAGE } from './usage';

export interface WorkerStatus {
  name: string;
  queue: string;
  queueUrl: string;
  visible: number;
  inFlight: number;
  deadLetterQueue: string;
  /** Messages in the dead-letter queue: poison that scaling ignores and someone should look at. */
  deadLetters: number;
  desired: number;
  running: number;
  protected: number;
  lastDecision: DecisionRecord | null;
}

/** `stevedore workers ...` */
export async function workers(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      json: { type: 'boolean', default: false },
      limit: { type: 'string', default: '50' },
    },
  });
  const target = await resolveTarget(values);
  const config = target.kind === 'aws' ? target.config : (await loadConfig(values.config)).config;
  const names = target.kind === 'aws' ? target.names : resourceNames(config.app, LOCAL_STAGE);
  const clients =
    target.kind === 'local'
      ? {
          sqs: new SQSClient(localClientConfig(target.endpoints, target.endpoints.sqs)),
          ecs: new ECSClient(localClientConfig(target.endpoints, target.endpoints.ecs)),
        }
      : { sqs: new SQSClient({}), ecs: new ECSClient({}) };
  try {
    const queueUrls = target.kind === 'local' ? target.endpoints.queues : {};
    const gauge = new SqsGauge({ client: clients.sqs, queueUrls });
    const deadLetters = new SqsDeadLetters({
      client: clients.sqs,
      queueUrl: (queue) => gauge.queueUrl(queue),
    });
    if (positionals[0] === 'history')
      return await history(target.ledger.scaling, config, names.service, positionals[1], values);
    if (positionals[0] === 'dead-letters')
      return await listDeadLetters(deadLetters, config, positionals[1], values);
    if (positionals[0] === 'redrive')
      return await redriveDeadLetters(deadLetters, config, positionals[1], values);
    if (positionals.length > 0)
      throw new CliError(`unknown workers command ${JSON.stringify(positionals[0])}\n\n${WORKERS_USAGE}`);

    const scaler = new EcsScaler({ cluster: names.cluster, client: clients.ecs });
    const statuses: WorkerStatus[] = [];
    for (const [name, worker] of Object.entries(config.workers)) {
      const service = names.service(name);
      const deadLetterQueue = deadLetterQueueName(worker.queue);
      const [depth, deadLetterDepth, state, record] = await Promise.all([
        gauge.depth(worker.queue),
        gauge.depth(deadLetterQueue),
        scaler.describeService(service),
        target.ledger.scaling.workerRecord(name, service),
      ]);
      const tasks = await scaler.serviceTasks(service);
      statuses.push({
        name,
        queue: worker.queue,
        // Known locally from endpoints.json; on AWS, looked up (the depth read above did it once).
        queueUrl: await gauge.queueUrl(worker.queue),
        visible: depth.visible,
        inFlight: depth.inFlight,
        deadLetterQueue,
        // Everything in it, visible or not: a listing in progress hides nothing from this count.
        deadLetters: deadLetterDepth.visible + deadLetterDepth.inFlight + deadLetterDepth.delayed,
        desired: state?.desired ?? 0,
        running: state?.running ?? 0,
        protected: tasks.length > 0 ? await scaler.protectedTasks(tasks) : 0,
        lastDecision: record.lastDecision ?? null,
      });
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
      return 0;
    }
    if (statuses.length === 0) {
      process.stdout.write('no workers in the config\n');
      return 0;
    }
    process.stdout.write(
      `${renderTable(statuses, [
        { header: 'WORKER', cell: (s) => s.name },
        { header: 'QUEUE', cell: (s) => s.queue },
        { header: 'VISIBLE', cell: (s) => String(s.visible), right: true },
        { header: 'IN FLIGHT', cell: (s) => String(s.inFlight), right: true },
        { header: 'DLQ', cell: (s) => String(s.deadLetters), right: true },
        { header: 'DESIRED', cell: (s) => String(s.desired), right: true },
        { header: 'RUNNING', cell: (s) => String(s.running), right: true },
        { header: 'PROTECTED', cell: (s) => String(s.protected), right: true },
        { header: timeHeader('DECIDED'), cell: (s) => formatTime(s.lastDecision?.at) },
        { header: 'REASON', cell: (s) => s.lastDecision?.reason ?? '', shrink: true },
      ])}\n`,
    );
    for (const warning of deadLetterWarnings(statuses)) process.stdout.write(`${warning}\n`);
    return 0;
  } finally {
    clients.sqs.destroy();
    clients.ecs.destroy();
    target.client.destroy();
  }
}

async function history(
  ledger: { decisions: (service: string, q: { limit: number }) => Promise<{ decisions: DecisionRecord[] }> },
  config: Config,
  serviceOf: (worker: string) => string,
  name: string | undefined,
  values: { json: boolean; limit: string },
): Promise<number> {
  if (!name) throw new CliError('usage: stevedore workers history <name> [--json]');
  if (!config.workers[name]) {
    throw new CliError(
      `no worker ${JSON.stringify(name)} (workers: ${Object.keys(config.workers).join(', ') || 'none'})`,
    );
  }
  const limit = numberFlag('limit', values.limit, { min: 1, max: 10_000, integer: true });
  const { decisions } = await ledger.decisions(serviceOf(name), { limit });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(decisions, null, 2)}\n`);
    return 0;
  }
  if (decisions.length === 0) {
    process.stdout.write('no decisions yet\n');
    return 0;
  }
  process.stdout.write(
    `${renderTable([...decisions].reverse(), [
      { header: timeHeader('TIME'), cell: (d) => formatTime(d.at) },
      { header: 'VISIBLE', cell: (d) => String(d.observation.visible), right: true },
      { header: 'IN FLIGHT', cell: (d) => String(d.observation.inFlight), right: true },
      { header: 'RUNNING', cell: (d) => String(d.observation.running), right: true },
      { header: 'PROTECTED', cell: (d) => String(d.observation.protected), right: true },
      {
        header: 'DESIRED',
        cell: (d) => (d.change ? `${d.previous} -> ${d.desired}` : String(d.desired)),
        right: true,
      },
      { header: 'REASON', cell: (d) => d.reason, shrink: true },
    ])}\n`,
  );
  return 0;
}
