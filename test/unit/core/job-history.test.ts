import { attemptPhases, jobHistory, ROUTED_TASK_STATUSES } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { newTaskArn, taskLifecycle } from '../../support/ecs-events';
import {
  deliver,
  JOB_ID,
  launch,
  policyOf,
  snapshotOf,
  submittedJob,
  thumbnailsConfig,
} from '../../support/jobs';

const policy = policyOf(thumbnailsConfig());

/** A launched attempt 1 and its task's events: all of them, and the ones the rule routes. */
function attempt(script: { exitCode?: number; failedToStart?: boolean; pullSeconds?: number }) {
  const taskArn = newTaskArn();
  const events = taskLifecycle({ ...script, jobId: JOB_ID, attempt: 1, taskArn });
  const routed = events.filter((event) =>
    (ROUTED_TASK_STATUSES as readonly string[]).includes(snapshotOf(event).lastStatus),
  );
  return { job: launch(submittedJob(policy), taskArn, policy), events, routed };
}

const steps = (history: ReturnType<typeof jobHistory>) =>
  history.map((h) => `${h.state} ${h.taskStatus ?? '-'}${h.reason ? ` (${h.reason})` : ''}`);

describe("a job's history with the task steps no event wrote", () => {
  it('shows every step of a task whose RUNNING and STOPPED events alone were applied, in time order', () => {
    const { job, routed } = attempt({ exitCode: 0, pullSeconds: 2 });

    const finished = deliver(job, routed, policy);
    const history = jobHistory(finished);

    expect(finished.history).toHaveLength(4);
    expect(steps(history)).toEqual([
      'SUBMITTED -',
      'STARTING - (RunTask accepted)',
      'STARTING PROVISIONING (task created)',
      'STARTING PENDING (image pull started)',
      'STARTING PENDING (image pulled)',
      'RUNNING RUNNING',
      'RUNNING STOPPING (task stopping)',
      'SUCCEEDED STOPPED',
    ]);
    expect(history.map((h) => Date.parse(h.at))).toEqual(
      [...history.map((h) => Date.parse(h.at))].sort((a, b) => a - b),
    );
  });

  it("times every phase of the attempt from the routed events alone, as from all of the task's events", () => {
    const { job, events, routed } = attempt({ exitCode: 0, pullSeconds: 2 });
    const now = new Date('2026-01-02T00:00:00Z');

    const phases = attemptPhases(deliver(job, routed, policy), now);

    expect(Object.keys(phases[0]?.seconds ?? {})).toEqual([
      'waiting',
      'provisioning',
      'pull',
      'starting',
      'running',
      'stopping',
    ]);
    expect(phases).toEqual(attemptPhases(deliver(job, events, policy), now));
  });

  it('adds nothing for steps whose events were applied (a job recorded with every event)', () => {
    const { job, events } = attempt({ exitCode: 0 });

    const finished = deliver(job, events, policy);

    expect(jobHistory(finished)).toHaveLength(finished.history.length);
    expect(steps(jobHistory(finished)).filter((s) => s.startsWith('STARTING PROVISIONING'))).toEqual([
      'STARTING PROVISIONING',
    ]);
  });

  it('shows a task that failed to start as created and never started, then the retry', () => {
    const { job, routed } = attempt({ failedToStart: true });

    const history = jobHistory(deliver(job, routed, policy));

    expect(steps(history).slice(2)).toEqual([
      'STARTING PROVISIONING (task created)',
      expect.stringMatching(/^SUBMITTED STOPPED \(attempt 1 failed: TaskFailedToStart/),
    ]);
  });

  it('is the recorded history of a job with no task yet', () => {
    const job = submittedJob(policy);

    expect(jobHistory(job)).toBe(job.history);
  });
});
