import {
  applyPatch,
  decide,
  type Job,
  type JobEvent,
  refusedForCancel,
  slotHolder,
  transition,
} from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import {
  JOB_ID,
  LAUNCHED_AT,
  launch,
  policyOf,
  SOURCE,
  submittedJob,
  thumbnailsConfig,
} from '../../support/jobs';

/*
 * The cancel mark and the retry link in the pure core: what each event writes and which jobs accept
 * it. The races themselves are in cancel-race.test.ts.
 */

const policy = policyOf(thumbnailsConfig({ attempts: 3 }));
const TASK = 'arn:aws:ecs:us-east-2:667471847564:task/primary-cluster/0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const AT = new Date('2026-01-01T00:10:00.000Z');

function apply(job: Job, event: JobEvent) {
  return transition(job, event, AT, policy);
}

const running = () => launch(submittedJob(policy), TASK, policy, LAUNCHED_AT);
const marked = () =>
  apply(running(), { type: 'cancel-requested', attempt: 1, state: 'STARTING', reason: 'by alice' }).next;

describe('cancel-requested', () => {
  it('marks the job with the reason and keeps its state, attempt and task', () => {
    const job = marked();

    expect(job).toMatchObject({ state: 'STARTING', attempt: 1, taskArn: TASK, cancelRequested: 'by alice' });
    expect(job.history.at(-1)).toMatchObject({ state: 'STARTING', reason: 'cancel requested: by alice' });
  });

  it('is refused by a job in another state or attempt', () => {
    const job = running();

    expect(apply(job, { type: 'cancel-requested', attempt: 1, state: 'RUNNING', reason: 'x' }).next).toBe(
      job,
    );
    expect(apply(job, { type: 'cancel-requested', attempt: 2, state: 'STARTING', reason: 'x' }).next).toBe(
      job,
    );
  });
});

describe('a marked job whose task is gone (task-missing)', () => {
  it('refuses the failure, and cancel-ended ends it CANCELLED, releasing its slot', () => {
    const job = marked();
    const missing = decide({
      jobId: JOB_ID,
      source: SOURCE,
      event: { type: 'task-missing', attempt: 1, taskArn: TASK },
      now: AT,
      policy,
    });
    if (!missing) throw new Error('task-missing decided nothing');

    expect(applyPatch(job, missing.patch)).toBeUndefined();
    expect(refusedForCancel(missing.patch, job)).toBe(true);
    expect(refusedForCancel(missing.patch, running())).toBe(false);

    const { next, effects } = apply(job, { type: 'cancel-ended', attempt: 1, reason: 'by alice' });
    expect(next).toMatchObject({
      state: 'CANCELLED',
      attempt: 1,
      reason: 'by alice',
      finishedAt: AT.toISOString(),
    });
    expect(effects).toEqual([
      { type: 'ReleaseSlot', source: SOURCE, holder: slotHolder(JOB_ID, 1) },
      { type: 'LaunchWaiting', source: SOURCE },
      { type: 'JobFinished', jobId: JOB_ID, source: SOURCE, state: 'CANCELLED' },
    ]);
  });
});

describe('retried', () => {
  it('links a terminal job to its retry and changes nothing else', () => {
    const ended = apply(submittedJob(policy), { type: 'cancel', attempt: 1, reason: 'no' }).next;

    const { next, effects } = apply(ended, {
      type: 'retried',
      attempt: 1,
      state: 'CANCELLED',
      by: 'thumbnails-1',
    });

    expect(next).toEqual({
      ...ended,
      retriedBy: 'thumbnails-1',
      updatedAt: AT.toISOString(),
      history: [
        ...ended.history,
        { at: AT.toISOString(), state: 'CANCELLED', attempt: 1, reason: 'retried as thumbnails-1' },
      ],
    });
    expect(effects).toEqual([]);
  });
});
