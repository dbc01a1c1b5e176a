/*
 * The figures of bench:burst that judge the control plane only by what it could have launched: a
 * job is launchable from the moment its object's event arrived until its first task was created.
 * Seconds in which nothing waited (objects still uploading, the stand-ins slow to deliver) are not
 * held against it; seconds in which jobs waited and nothing launched are.
 */

/** One job: when its object event arrived and when ECS created its first task (epoch ms). */
export interface JobTimes {
  arrivedAt: number;
  launchedAt: number;
}

export interface WaitingFigures {
  /** Launches of jobs that waited (every job waits, if only for a moment). */
  launches: number;
  /** Time with at least one launchable job waiting, in seconds. */
  waitingSeconds: number;
  /** Longest time with jobs waiting and no launch, in seconds, and when it began (ms after `from`). */
  longestGap: { seconds: number; startsAfterMs: number };
}

/**
 * Sweeps the arrivals and launches in time order, tracking how many jobs wait: the time with any
 * waiting, and the longest stretch of it between two launches (or from the first arrival).
 */
export function waitingFigures(jobs: readonly JobTimes[], from: number): WaitingFigures {
  const marks = jobs
    .flatMap((job) => [
      { at: job.arrivedAt, change: +1 },
      // A launch reported before its arrival (clocks read apart) still waited, for no time.
      { at: Math.max(job.arrivedAt, job.launchedAt), change: -1 },
    ])
    // At one instant arrivals first: a job that arrives and launches at once waited, briefly.
    .sort((a, b) => a.at - b.at || b.change - a.change);
  let waiting = 0;
  let waitingMs = 0;
  let since = 0;
  let lastLaunchOrStart = 0;
  const longest = { ms: 0, startsAt: from };
  for (const mark of marks) {
    if (waiting > 0) waitingMs += mark.at - since;
    since = mark.at;
    if (mark.change > 0) {
      if (waiting === 0) lastLaunchOrStart = mark.at;
    } else {
      if (mark.at - lastLaunchOrStart > longest.ms) {
        longest.ms = mark.at - lastLaunchOrStart;
        longest.startsAt = lastLaunchOrStart;
      }
      lastLaunchOrStart = mark.at;
    }
    waiting += mark.change;
  }
  return {
    launches: jobs.length,
    waitingSeconds: waitingMs / 1000,
    longestGap: { seconds: longest.ms / 1000, startsAfterMs: longest.startsAt - from },
  };
}

/** Events per second over the span from the first to the last (one event: its count). */
export function ratePerSecond(times: readonly number[]): {
  count: number;
  seconds: number;
  perSecond: number;
} {
  if (times.length === 0) return { count: 0, seconds: 0, perSecond: 0 };
  const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
  return { count: times.length, seconds, perSecond: seconds > 0 ? times.length / seconds : times.length };
}
