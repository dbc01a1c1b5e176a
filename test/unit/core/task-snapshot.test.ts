import { parseTaskStateChange, snapshotOfDetail } from '@stevedore/core/events';
import { s3JobId, scheduledJobId, type TaskOwner, taskIdOf, taskOwner } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../support/fixtures';

/*
 * Whose task an ECS event is about decides what Stevedore does with it: a job's task moves its job,
 * a worker service's task updates that service's view, anyone else's is left alone. The tasks are
 * real Task State Change fixtures, with only `group` and `startedBy` changed.
 */

const JOB_ID = s3JobId('thumbnails', 'media-uploads', 'incoming/cat.jpg', '617f08299329d189');
const RUN_ID = scheduledJobId('nightly', '2026-03-01T03:00:00.000Z');
/** What ECS writes in `startedBy` for a service's tasks. */
const SERVICE_STARTED_BY = 'ecs-svc/1234567890123456789';

/** The fixture's task (neither fixture has a startedBy), with `group` and `startedBy` set where given. */
function task(fixture: string, fields: { group?: string | undefined; startedBy?: string | undefined }) {
  const event = loadEvent('ecs', fixture);
  const detail = event.detail as Record<string, unknown>;
  for (const [field, value] of Object.entries(fields)) if (value !== undefined) detail[field] = value;
  return snapshotOfDetail(parseTaskStateChange(event).detail);
}

describe('taskOwner', () => {
  it.each<{ case: string; fixture: string; group?: string; startedBy?: string; owner: TaskOwner }>([
    {
      case: 'a task someone ran by hand (the AWS sample: family group, no startedBy) is foreign',
      fixture: 'task-state-change-running',
      owner: { kind: 'foreign' },
    },
    {
      case: 'a task of another team’s tool, startedBy a name that is no job id, is foreign',
      fixture: 'task-state-change-deprovisioning',
      startedBy: 'nightly-etl',
      owner: { kind: 'foreign' },
    },
    {
      case: 'a task startedBy something shaped almost like a job id (uppercase hex) is foreign',
      fixture: 'task-state-change-deprovisioning',
      startedBy: 'thumbnails-ABCDEF0123456789ABCD',
      owner: { kind: 'foreign' },
    },
    {
      case: 'a pipeline job’s task is that job’s',
      fixture: 'task-state-change-deprovisioning',
      group: 'family:stevedore-prod-resize',
      startedBy: JOB_ID,
      owner: { kind: 'job', jobId: JOB_ID },
    },
    {
      case: 'a schedule run’s task is that run’s job’s',
      fixture: 'task-state-change-running',
      startedBy: RUN_ID,
      owner: { kind: 'job', jobId: RUN_ID },
    },
    {
      case: 'a service’s task is that service’s',
      fixture: 'task-state-change-running',
      group: 'service:stevedore-prod-mailer',
      startedBy: SERVICE_STARTED_BY,
      owner: { kind: 'service', service: 'stevedore-prod-mailer' },
    },
    {
      case: 'a service’s task is the service’s even when its startedBy looks like a job id',
      fixture: 'task-state-change-deprovisioning',
      group: 'service:stevedore-prod-mailer',
      startedBy: JOB_ID,
      owner: { kind: 'service', service: 'stevedore-prod-mailer' },
    },
    {
      case: 'a family group that merely contains "service:" is not a service',
      fixture: 'task-state-change-running',
      group: 'family:service:mailer',
      owner: { kind: 'foreign' },
    },
  ])('$case', ({ fixture, group, startedBy, owner }) => {
    const snapshot = task(fixture, { group, startedBy });

    expect(taskOwner(snapshot)).toEqual(owner);
  });
});

describe('taskIdOf: the short id ECS consoles and the CLI show', () => {
  it.each([
    {
      case: 'an ARN with the cluster in it (the current format)',
      fixture: 'task-state-change-running',
      id: 'c13b4cb40f1f4fe4a2971f76ae5a47ad',
    },
    {
      case: 'an ARN in the old format, without the cluster',
      fixture: 'task-state-change-deprovisioning',
      id: 'e9511a82-9247-4239-89e9-ffd548ed9ee4',
    },
  ])('$case', ({ fixture, id }) => {
    expect(taskIdOf(task(fixture, {}).taskArn)).toBe(id);
  });
});
