import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HandlerDeps } from '@stevedore/control';
import { s3JobId } from '@stevedore/core/job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskStateChange } from '../../../functions/task-state-change';
import { freshLedgerTable, localDynamoClient } from '../../support/dynamodb';
import { newTaskArn, taskLifecycle } from '../../support/ecs-events';
import { loadEvent } from '../../support/fixtures';
import {
  MAILER,
  NAMES,
  newServiceTaskArn,
  RESIZER,
  recordingLogger,
  scalingDeps,
  serviceTaskEvent,
  TestQueues,
  TestServices,
  testClock,
} from '../../support/scaling-world';

/*
 * Task State Change events that are not a job's (packages/control/src/jobs/task-events.ts), through
 * the task-state-change function on a real ledger table: a worker service's tasks keep the ledger's
 * view of that service (which scaling reads instead of ListTasks), and nobody else's task writes
 * anything.
 */

let dynamo: DynamoDBClient;
const opened: Array<() => void> = [];
beforeAll(() => {
  dynamo = localDynamoClient();
});
afterAll(() => {
  for (const close of opened) close();
  dynamo.destroy();
});

async function world() {
  const logger = recordingLogger();
  const { deps, close } = scalingDeps({
    dynamo,
    table: await freshLedgerTable(dynamo),
    gauge: new TestQueues(),
    scaler: new TestServices(),
    clock: testClock(),
    logger,
  });
  opened.push(close);
  return { deps, logger, handler: taskStateChange(deps) };
}

/** The mailer service's tasks as the ledger sees them. */
async function mailerTasks(deps: HandlerDeps): Promise<Record<string, string>> {
  return (await deps.scaling.workerRecord(MAILER.name, MAILER.service)).tasks;
}

describe('a worker service’s tasks', () => {
  it('are in the ledger’s view of the service from their first event, with their latest status, until STOPPED', async () => {
    const { deps, handler, logger } = await world();
    const [a, b] = [newServiceTaskArn(), newServiceTaskArn()];

    await handler(serviceTaskEvent(MAILER.service, a, 'PROVISIONING', 1));
    await handler(serviceTaskEvent(MAILER.service, b, 'PROVISIONING', 1));
    await handler(serviceTaskEvent(MAILER.service, a, 'RUNNING', 4));
    const starting = await mailerTasks(deps);
    await handler(serviceTaskEvent(MAILER.service, a, 'STOPPED', 8));
    const afterStop = await mailerTasks(deps);

    expect(starting).toEqual({ [a]: 'RUNNING', [b]: 'PROVISIONING' });
    expect(afterStop).toEqual({ [b]: 'PROVISIONING' });
    expect(logger.at('error')).toEqual([]);
  });

  it('a late or repeated older event does not bring back a stopped task or move a task back', async () => {
    const { deps, handler } = await world();
    const [a, b] = [newServiceTaskArn(), newServiceTaskArn()];
    await handler(serviceTaskEvent(MAILER.service, a, 'STOPPED', 8));
    await handler(serviceTaskEvent(MAILER.service, b, 'RUNNING', 4));

    await handler(serviceTaskEvent(MAILER.service, a, 'RUNNING', 4));
    await handler(serviceTaskEvent(MAILER.service, b, 'PENDING', 2));
    await handler(serviceTaskEvent(MAILER.service, b, 'RUNNING', 4));

    expect(await mailerTasks(deps)).toEqual({ [b]: 'RUNNING' });
  });

  it('are kept per service: one worker’s tasks are not another’s', async () => {
    const { deps, handler } = await world();
    const [mail, resize] = [newServiceTaskArn(), newServiceTaskArn()];

    await handler(serviceTaskEvent(MAILER.service, mail, 'RUNNING', 4));
    await handler(serviceTaskEvent(RESIZER.service, resize, 'RUNNING', 4));

    expect(await mailerTasks(deps)).toEqual({ [mail]: 'RUNNING' });
    expect((await deps.scaling.workerRecord(RESIZER.name, RESIZER.service)).tasks).toEqual({
      [resize]: 'RUNNING',
    });
  });
});

describe('tasks that are neither a job’s nor a worker’s', () => {
  it('a service of this cluster that is no worker of the config is not recorded', async () => {
    const { deps, handler, logger } = await world();
    const otherService = NAMES.service('retired-worker');

    await handler(serviceTaskEvent(otherService, newServiceTaskArn(), 'RUNNING', 4));

    expect((await deps.scaling.workerRecord('retired-worker', otherService)).tasks).toEqual({});
    expect(logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  });

  it('a foreign task (the AWS sample: run by hand, no startedBy) changes nothing and logs nothing', async () => {
    const { deps, handler, logger } = await world();

    await handler(loadEvent('ecs', 'task-state-change-running'));

    expect(await mailerTasks(deps)).toEqual({});
    expect((await deps.jobs.listJobs({})).jobs).toEqual([]);
    expect(logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  });

  it('the task of a job whose pipeline is gone from the config is warned about, and no job appears', async () => {
    const { deps, handler, logger } = await world();
    const jobId = s3JobId('retired-pipeline', 'media-uploads', 'incoming/cat.jpg', '617f08299329d189');
    const taskArn = newTaskArn();
    const [provisioning] = taskLifecycle({ jobId, attempt: 1, taskArn });

    await handler(provisioning);

    expect(logger.at('warn')).toEqual([
      { level: 'warn', message: 'task of an unknown job source', fields: { jobId, taskArn } },
    ]);
    expect(await deps.jobs.getJob(jobId)).toBeUndefined();
    expect((await deps.jobs.listJobs({})).jobs).toEqual([]);
  });

  it('a malformed task event is logged with what is wrong, and nothing is recorded', async () => {
    const { deps, handler, logger } = await world();
    const event = serviceTaskEvent(MAILER.service, newServiceTaskArn(), 'RUNNING', 4);
    delete (event.detail as Record<string, unknown>).version;

    await handler(event);

    expect(logger.at('error')).toEqual([
      {
        level: 'error',
        message: 'rejected malformed event',
        fields: {
          handler: 'task-state-change',
          source: 'ECS Task State Change',
          problems: [expect.stringMatching(/^detail\.version: /)],
        },
      },
    ]);
    expect(await mailerTasks(deps)).toEqual({});
  });
});
