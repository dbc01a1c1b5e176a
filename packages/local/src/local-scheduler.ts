import { randomUUID } from 'node:crypto';
import { nextFireTimes } from '@stevedore/core/schedule';

/*
 * The local stand-in for EventBridge Scheduler: each enabled schedule fires on time, with the same
 * expressions and time zones, and its target receives what Scheduler sends (the schedule, the
 * scheduled time, an execution id, the attempt). `timeScale` speeds time up for a demo: with 60, a
 * schedule's minute passes in a real second, and scheduled times are in that faster time.
 */

export interface LocalSchedule {
  name: string;
  expression: string;
  timezone: string;
  enabled: boolean;
}

export interface SchedulerInput {
  schedule: string;
  scheduledTime: string;
  executionId: string;
  attempt: number;
}

export interface LocalSchedulerOptions {
  schedules: readonly LocalSchedule[];
  fire: (input: SchedulerInput) => void;
  /** How much faster than real time schedules run (1: real time). */
  timeScale?: number;
}

/** A sped-up clock: it reads `realStart + (real now - realStart) * timeScale`. */
export interface ScheduleClock {
  realStart: number;
  timeScale: number;
}

/** The time on a schedule clock. */
export function scheduleClockNow(clock: ScheduleClock, realNow = Date.now()): Date {
  return new Date(clock.realStart + (realNow - clock.realStart) * clock.timeScale);
}

export interface LocalScheduler {
  /** The schedules' clock (real time, or faster). */
  now(): Date;
  clock: ScheduleClock;
  stop(): void;
}

/** setTimeout's longest wait (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Starts firing the schedules. */
export function startLocalScheduler(options: LocalSchedulerOptions): LocalScheduler {
  const scale = options.timeScale ?? 1;
  const clock: ScheduleClock = { realStart: Date.now(), timeScale: scale };
  const now = () => scheduleClockNow(clock);
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  /** Waits until `next` on the schedule clock, in steps setTimeout can take, then fires it. */
  const wait = (schedule: LocalSchedule, next: Date) => {
    const delay = Math.max(0, (next.getTime() - now().getTime()) / scale);
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (stopped) return;
        if (delay > MAX_TIMER_MS) return wait(schedule, next);
        options.fire({
          schedule: schedule.name,
          scheduledTime: next.toISOString(),
          executionId: randomUUID(),
          attempt: 1,
        });
        plan(schedule, next);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    timers.add(timer);
  };
  const plan = (schedule: LocalSchedule, after: Date) => {
    if (stopped) return;
    const [next] = nextFireTimes(schedule.expression, { after, count: 1, timezone: schedule.timezone });
    if (next) wait(schedule, next); // none: an at() schedule that has fired, or lies in the past
  };
  for (const schedule of options.schedules) if (schedule.enabled) plan(schedule, now());

  return {
    now,
    clock,
    stop: () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
