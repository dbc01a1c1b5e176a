import { endedBeforeStart, scheduledJobId, scheduleRunJob } from '@stevedore/core/job';
import { fireTimesBetween, parseScheduleExpression } from '@stevedore/core/schedule';
import type { HandlerDeps } from '../deps';

/** Wait this long past a fire time before calling it missed: Scheduler retries for up to 5 minutes. */
export const MISSED_GRACE_MS = 6 * 60_000;

/**
 * Runs that should have happened and did not (the scheduler failed, or nothing was deployed to
 * receive them) are recorded as FAILED jobs saying so, and become the schedule's last run. History
 * before checking began is not second-guessed: for cron and at() schedules checking (re)starts when
 * the sweeper first sees them or their expression changed; for rate schedules, at a firing, which
 * tells where AWS put their grid (learnRateGrid). A disabled schedule's time is not checked.
 */
export async function recordMissedRuns(deps: HandlerDeps): Promise<number> {
  const now = deps.clock.now().getTime();
  const until = new Date(now - MISSED_GRACE_MS);
  let missed = 0;
  for (const [name, schedule] of Object.entries(deps.app.config.schedules)) {
    const state = await deps.schedules.scheduleState(name);
    if (!schedule.enabled) {
      // While paused nothing is missed: checks carry on from whenever it is enabled again.
      if (state.checkedUntil) await deps.schedules.markChecked(name, new Date(now).toISOString());
      continue;
    }
    const rate = parseScheduleExpression(schedule.expression).kind === 'rate';
    if (!state.checkedUntil || state.checkedExpression !== schedule.expression) {
      if (!rate) {
        await deps.schedules.restartChecks(name, {
          from: new Date(now).toISOString(),
          expression: schedule.expression,
        });
      }
      continue;
    }
    if (rate && !state.anchor) continue;
    const expected = fireTimesBetween(schedule.expression, {
      from: new Date(state.checkedUntil),
      to: until,
      timezone: schedule.timezone,
      limit: 100,
      ...(rate && state.anchor ? { startAt: new Date(state.anchor) } : {}),
    });
    const found = deps.app.source(name);
    for (const time of expected) {
      const jobId = scheduledJobId(name, time.toISOString());
      if (!found || (await deps.jobs.getJob(jobId))) continue;
      const at = new Date(now).toISOString();
      const reason = `missed: no firing arrived for ${time.toISOString()}`;
      const job = scheduleRunJob(found.source, time.toISOString(), new Date(now));
      const { created } = await deps.jobs.createJob(endedBeforeStart(job, 'FAILED', reason, at));
      if (created) {
        missed += 1;
        await deps.schedules.recordRun(name, { jobId, scheduledTime: time.toISOString(), at });
        deps.logger.warn('schedule run missed', { schedule: name, scheduledTime: time.toISOString(), jobId });
      }
    }
    // When the limit cut the list short, the next sweep carries on from the last one checked.
    const checked = expected.length >= 100 ? (expected.at(-1) ?? until) : until;
    await deps.schedules.markChecked(name, checked.toISOString());
  }
  return missed;
}
