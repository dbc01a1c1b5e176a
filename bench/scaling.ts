/**
 * bench:scaling — one queue trace, three controllers, in virtual time (1 s steps, no timers, no I/O).
 *
 *   npm run bench:scaling
 *
 * The trace (2 h; bursts exact, steady load and ramp as Poisson arrivals per second from a fixed seed, so
 * every run sees the same messages):
 *   00:00–05:00  idle
 *   05:07        burst A: 300 messages at once
 *   10:00–30:00  steady 2 msg/s
 *   30:00–60:00  idle (30 min)
 *   60:43        burst B: 300 messages at once
 *   70:00–100:00 slow ramp from 0 to 4 msg/s
 *   100:00–120:00 idle
 * The worker is the same for all: 2 s per message (0.5 msg/s per task), one message at a time,
 * messagesPerTask 10, min 0, max 20. A task is RUNNING 40 s after the desired count goes up (Fargate-like);
 * scale-in stops pending tasks first, then idle ones, and a busy task finishes its message first
 * (scale-in protection). Backlog = visible + in flight; needed = min(max, ceil(backlog / messagesPerTask)).
 * Over/under-provisioning compare needed with the tasks RUNNING and not draining; total task-minutes count
 * what Fargate bills: starting, running and draining tasks.
 *
 * CloudWatch: SQS publishes one datapoint per minute; we take the minute's average, available
 * METRIC_DELAY_SECONDS after the minute ends (so 1–2 min after the messages it counts). Alarms are evaluated
 * when a datapoint lands. The same delay applies to every controller that reads CloudWatch.
 *
 * Figures, not verdicts: it ends with `decision_seconds_max=… capacity_seconds_max=… over_task_minutes=…
 * reaction_ratio_tt=… reaction_ratio_keda=… overprovision_ratio_tt=…`: Stevedore's slowest decision and
 * time to capacity over the bursts, then Stevedore over the baseline (below 1: faster / wastes less).
 */
import { parseConfig } from '@stevedore/core/config';
import { decideScale, FRESH_MEMORY, type ScalingMemory, workerPolicy } from '@stevedore/core/scaling';

const HORIZON_SECONDS = 2 * 3600;
const SECONDS_PER_MESSAGE = 2;
const TASK_START_SECONDS = 40;
const MESSAGES_PER_TASK = 10;
const MAX_TASKS = 20;
const METRIC_DELAY_SECONDS = 60;
const EPOCH = Date.UTC(2025, 0, 1);
const SEED = 20250101;

/** Off every controller's period (10, 15, 30, 60 s) and at two phases, so no one is lucky by alignment. */
const BURSTS = [
  { name: 'A', at: 5 * 60 + 7, messages: 300 },
  { name: 'B', at: 60 * 60 + 43, messages: 300 },
] as const;

/** Messages arriving in each second of the trace: bursts exact, steady and ramp Poisson (seeded). */
function buildTrace(): number[] {
  const random = mulberry32(SEED);
  const rate = (t: number): number => {
    const min = t / 60;
    if (min >= 10 && min < 30) return 2;
    if (min >= 70 && min < 100) return (4 * (min - 70)) / 30;
    return 0;
  };
  const arrivals: number[] = [];
  for (let t = 0; t < HORIZON_SECONDS; t++) {
    const burst = BURSTS.filter((b) => b.at === t).reduce((n, b) => n + b.messages, 0);
    arrivals.push(burst + poisson(rate(t), random));
  }
  return arrivals;
}

/** A small seeded PRNG (mulberry32), so every run sees the same trace. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Knuth's Poisson sampler; fine for the small rates here. */
function poisson(rate: number, random: () => number): number {
  if (rate <= 0) return 0;
  const limit = Math.exp(-rate);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

// ---------------------------------------------------------------------------------------------------------
// The world: a queue, a service, and what CloudWatch has published.

interface Task {
  readyAt: number;
  /** Arrival time of the message this task holds. */
  holding?: number;
  busyUntil: number;
  draining: boolean;
}

/** What a controller can see at second t. */
interface View {
  t: number;
  visible: number;
  inFlight: number;
  desired: number;
  running: number;
  pending: number;
  /** Per-minute averages, once published (undefined before). */
  visibleAvg(minute: number): number | undefined;
  runningAvg(minute: number): number | undefined;
  /** The minute whose datapoint lands at t, if one does. */
  landedMinute: number | undefined;
}

interface Controller {
  name: string;
  /** The new desired count, or undefined to leave it. */
  step(view: View): number | undefined;
}

interface Result {
  name: string;
  /** Per burst: seconds from its first message until the desired count was first raised. */
  decisions: (number | undefined)[];
  reactions: (number | undefined)[];
  worstAge: number;
  overMinutes: number;
  underMinutes: number;
  taskMinutes: number;
  leftAtEnd: number;
  changes: number;
}

function simulate(controller: Controller, arrivals: readonly number[]): Result {
  const queue: number[] = [];
  let head = 0;
  let tasks: Task[] = [];
  let desired = 0;
  const minuteVisible: number[] = [];
  const minuteRunning: number[] = [];
  const reactions: (number | undefined)[] = BURSTS.map(() => undefined);
  const decisions: (number | undefined)[] = BURSTS.map(() => undefined);
  const r = { worstAge: 0, over: 0, under: 0, billed: 0, changes: 0 };

  const setDesired = (n: number, t: number) => {
    r.changes++;
    BURSTS.forEach((b, i) => {
      if (n > desired && t >= b.at && decisions[i] === undefined) decisions[i] = t - b.at;
    });
    if (n > desired) {
      for (let i = desired; i < n; i++)
        tasks.push({ readyAt: t + TASK_START_SECONDS, busyUntil: 0, draining: false });
    } else {
      // Stop pending tasks first (newest first), then idle ones; busy ones drain their message.
      const live = tasks.filter((k) => !k.draining);
      const order = [...live].sort((a, b) => rank(a, t) - rank(b, t) || b.readyAt - a.readyAt);
      const stop = new Set(order.slice(0, desired - n));
      tasks = tasks.filter((k) => !(stop.has(k) && (k.readyAt > t || k.holding === undefined)));
      for (const k of stop) k.draining = true;
    }
    desired = n;
  };

  for (let t = 0; t < HORIZON_SECONDS; t++) {
    for (let i = 0; i < (arrivals[t] ?? 0); i++) queue.push(t);
    for (const k of tasks) if (k.holding !== undefined && k.busyUntil <= t) delete k.holding;
    tasks = tasks.filter((k) => !(k.draining && k.holding === undefined));
    for (const k of tasks) {
      if (k.readyAt > t || k.draining || k.holding !== undefined || head >= queue.length) continue;
      k.holding = queue[head++] ?? t;
      k.busyUntil = t + SECONDS_PER_MESSAGE;
    }
    if (head > 1000) {
      queue.splice(0, head);
      head = 0;
    }

    const visible = queue.length - head;
    const holders = tasks.filter((k) => k.holding !== undefined);
    const inFlight = holders.length;
    const running = tasks.filter((k) => k.readyAt <= t).length;
    const capacity = tasks.filter((k) => k.readyAt <= t && !k.draining).length;
    const needed = Math.min(MAX_TASKS, Math.ceil((visible + inFlight) / MESSAGES_PER_TASK));
    const oldest = Math.min(queue[head] ?? t, ...holders.map((k) => k.holding ?? t));
    r.worstAge = Math.max(r.worstAge, t - oldest);
    r.over += Math.max(0, capacity - needed);
    r.under += Math.max(0, needed - capacity);
    r.billed += tasks.length;
    BURSTS.forEach((b, i) => {
      if (t >= b.at && reactions[i] === undefined && capacity >= needed) reactions[i] = t - b.at;
    });

    const minute = Math.floor(t / 60);
    minuteVisible[minute] = (minuteVisible[minute] ?? 0) + visible / 60;
    minuteRunning[minute] = (minuteRunning[minute] ?? 0) + running / 60;
    const published = (m: number) => (m + 1) * 60 + METRIC_DELAY_SECONDS <= t;
    const landed = (t - METRIC_DELAY_SECONDS) % 60 === 0 ? (t - METRIC_DELAY_SECONDS) / 60 - 1 : -1;
    const next = controller.step({
      t,
      visible,
      inFlight,
      desired,
      running,
      pending: tasks.length - running,
      visibleAvg: (m) => (m >= 0 && published(m) ? minuteVisible[m] : undefined),
      runningAvg: (m) => (m >= 0 && published(m) ? minuteRunning[m] : undefined),
      landedMinute: landed >= 0 ? landed : undefined,
    });
    if (next !== undefined && next !== desired) setDesired(next, t);
  }
  const leftAtEnd = queue.length - head + tasks.filter((k) => k.holding !== undefined).length;
  const { worstAge, changes } = r;
  const [overMinutes, underMinutes, taskMinutes] = [r.over / 60, r.under / 60, r.billed / 60];
  return {
    name: controller.name,
    decisions,
    reactions,
    worstAge,
    overMinutes,
    underMinutes,
    taskMinutes,
    leftAtEnd,
    changes,
  };
}

/** Scale-in order: pending, then idle, then busy. */
function rank(task: Task, t: number): number {
  if (task.readyAt > t) return 0;
  return task.holding === undefined ? 1 : 2;
}

// ---------------------------------------------------------------------------------------------------------
// Controller 1: Stevedore's own decideScale, fed the way Stevedore runs on AWS (functions/scale-tick.ts,
// watchWorkers in packages/control): the scale tick polls the queue depth (GetQueueAttributes) every
// second within its one-minute invocation, and observes in full (the service, then a decision) every
// 10 s, while it waits to activate, and when the backlog grew past what the desired count serves; plus
// the alarm fast path (ApproximateNumberOfMessagesVisible >= 1, one 1-minute datapoint), which calls
// the same decision on every alarm state change. Workers protect themselves while they hold a message.

const POLL_SECONDS = 1;
const FULL_EVERY_SECONDS = 10;

function stevedore(): Controller {
  const config = parseConfig({
    app: 'bench',
    tasks: { t: { image: 'x', cpu: 256, memory: 512 } },
    workers: { w: { queue: 'q', task: 't', max: MAX_TASKS, messagesPerTask: MESSAGES_PER_TASK } },
  });
  const worker = config.workers.w;
  if (!worker) throw new Error('worker w is missing from the parsed config');
  const policy = workerPolicy(worker);
  let memory: ScalingMemory = FRESH_MEMORY;
  let alarm = false;
  let last: { depth: number; desired: number; waiting: boolean; t: number } | undefined;
  return {
    name: 'Stevedore',
    step(v) {
      let observe = false;
      if (v.t % POLL_SECONDS === 0) {
        const depth = v.visible + v.inFlight;
        const grew = last && depth > last.depth && Math.ceil(depth / MESSAGES_PER_TASK) > last.desired;
        observe = !last || last.waiting || grew === true || v.t - last.t >= FULL_EVERY_SECONDS;
      }
      if (v.landedMinute !== undefined) {
        const breaching = (v.visibleAvg(v.landedMinute) ?? 0) >= 1;
        if (breaching !== alarm) observe = true;
        alarm = breaching;
      }
      if (!observe) return undefined;
      const decision = decideScale(policy, memory, {
        at: new Date(EPOCH + v.t * 1000),
        visible: v.visible,
        inFlight: v.inFlight,
        delayed: 0,
        desired: v.desired,
        running: v.running,
        pending: v.pending,
        protected: v.inFlight,
      });
      memory = decision.memory;
      last = {
        depth: v.visible + v.inFlight,
        desired: decision.desired,
        waiting: decision.kind === 'activation-wait',
        t: v.t,
      };
      return decision.change ? decision.desired : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Controller 2: Application Auto Scaling target tracking on "backlog per task", as AWS documents it for SQS:
// metric math ApproximateNumberOfMessagesVisible / RunningTaskCount (Container Insights), both 1-minute
// averages, target = messagesPerTask. The alarms AAS creates: high = 3 of 3 datapoints above the target,
// low = 15 of 15 below 90% of it. An alarm with an Auto Scaling action re-invokes it every minute while it
// stays in ALARM. New capacity = ceil(current capacity x metric / target) (proportional, AWS's formula).
// Cooldowns 300 s / 300 s. During the scale-out cooldown AAS only scales out further for "a larger scale
// out": we compute it from the capacity before the scale-out that started the cooldown, so the added
// capacity counts as part of the next one (the documented intent) and is not added twice.
// With no running task the metric has no value (division by zero gives no datapoint), and a missing
// datapoint breaks an M-of-N streak here. So target tracking cannot leave zero by itself. Two variants:
//   min 0: the usual workaround, a step-scaling policy on an alarm "visible >= 1 and no task" (1 of 1
//          datapoint) setting the capacity to 1, after which target tracking takes over;
//   min 1: keep one task always (the other common answer); it pays for that task all the time.

const COOLDOWN_OUT = 300;
const COOLDOWN_IN = 300;

function targetTracking(min: 0 | 1): Controller {
  const target = MESSAGES_PER_TASK;
  let lastOutAt = Number.NEGATIVE_INFINITY;
  let baseBeforeOut = 0;
  let lastInAt = Number.NEGATIVE_INFINITY;
  const clamp = (n: number) => Math.min(MAX_TASKS, Math.max(min, n));
  return {
    name: min === 0 ? 'TT + step 0→1' : 'TT min 1',
    step(v) {
      if (v.t === 0 && min === 1) return 1;
      const m = v.landedMinute;
      if (m === undefined) return undefined;
      const metric = (k: number): number | undefined => {
        const running = v.runningAvg(k);
        const visible = v.visibleAvg(k);
        return running && visible !== undefined ? visible / running : undefined;
      };
      const all = (n: number, ok: (x: number) => boolean) =>
        Array.from({ length: n }, (_, i) => metric(m - i)).every((x) => x !== undefined && ok(x));
      if (min === 0 && v.desired === 0)
        return (v.visibleAvg(m) ?? 0) >= 1 && !v.runningAvg(m) ? 1 : undefined;
      const latest = metric(m);
      if (latest === undefined) return undefined;
      if (all(3, (x) => x > target)) {
        const inCooldown = v.t - lastOutAt < COOLDOWN_OUT;
        const base = inCooldown ? baseBeforeOut : v.desired;
        const wanted = clamp(Math.ceil((base * latest) / target));
        if (wanted <= v.desired) return undefined;
        if (!inCooldown) baseBeforeOut = v.desired;
        lastOutAt = inCooldown ? lastOutAt : v.t;
        return wanted;
      }
      if (all(15, (x) => x < 0.9 * target) && v.t - lastInAt >= COOLDOWN_IN) {
        const wanted = clamp(Math.ceil((v.desired * latest) / target));
        if (wanted >= v.desired) return undefined;
        lastInAt = v.t;
        return wanted;
      }
      return undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Controller 3: KEDA's aws-sqs-queue scaler with its defaults, and the HPA it creates, with Kubernetes
// defaults. KEDA polls every 30 s (pollingInterval); "actual messages" = visible + in flight (the scaler's
// default); active when above activationQueueLength 0. KEDA itself moves 0 -> 1 on an active poll and
// 1 -> 0 after cooldownPeriod 300 s without an active poll. In between the HPA (minReplicas 1) syncs every
// 15 s on the external metric, AverageValue target = queueLength = messagesPerTask:
//   recommendation = ceil(messages / target), unless within the 10% tolerance;
//   scale-up: no stabilization, at most max(+100%, +4 pods) per 15 s (HPA default behavior);
//   scale-down: the highest recommendation of the last 300 s (default stabilization window).
// Pods start in the same 40 s as Fargate tasks, to compare the controllers and not the platforms.

function keda(): Controller {
  const target = MESSAGES_PER_TASK;
  let lastActive = Number.NEGATIVE_INFINITY;
  let recommendations: { t: number; n: number }[] = [];
  return {
    name: 'KEDA',
    step(v) {
      const messages = v.visible + v.inFlight;
      if (v.t % 30 === 0) {
        if (messages > 0) lastActive = v.t;
        if (v.desired === 0 && messages > 0) return 1;
        if (v.desired > 0 && messages === 0 && v.t - lastActive >= 300) return 0;
      }
      if (v.desired === 0 || v.t % 15 !== 0) return undefined;
      const ratio = messages / (target * v.desired);
      const raw = Math.abs(ratio - 1) <= 0.1 ? v.desired : Math.ceil(messages / target);
      const n = Math.min(MAX_TASKS, Math.max(1, raw));
      recommendations = [...recommendations.filter((r) => r.t > v.t - 300), { t: v.t, n }];
      if (n > v.desired) return Math.min(n, Math.max(2 * v.desired, v.desired + 4));
      const stabilized = Math.max(...recommendations.map((r) => r.n));
      return stabilized < v.desired ? stabilized : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------

function mean(xs: readonly (number | undefined)[]): number {
  const known = xs.filter((x): x is number => x !== undefined);
  return known.length === 0 ? Number.NaN : known.reduce((a, b) => a + b, 0) / known.length;
}

type Row = [label: string, cell: (r: Result) => string];

function printTable(results: readonly Result[]) {
  const fmt = (x: number | undefined, digits = 0) => (x === undefined ? 'never' : x.toFixed(digits));
  const rows: Row[] = [
    ...BURSTS.map((b, i): Row => [`burst ${b.name} decision (s)`, (r) => fmt(r.decisions[i])]),
    ...BURSTS.map((b, i): Row => [`burst ${b.name} reaction (s)`, (r) => fmt(r.reactions[i])]),
    ['mean reaction (s)', (r) => fmt(mean(r.reactions), 1)],
    ['worst oldest-message age (s)', (r) => fmt(r.worstAge)],
    ['over-provisioned task-min', (r) => fmt(r.overMinutes, 1)],
    ['under-provisioned task-min', (r) => fmt(r.underMinutes, 1)],
    ['total task-min (billed)', (r) => fmt(r.taskMinutes, 1)],
    ['messages left at the end', (r) => fmt(r.leftAtEnd)],
    ['desired-count changes', (r) => fmt(r.changes)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const cols = results.map((r) => Math.max(r.name.length, 8));
  const line = (label: string, cells: string[]) =>
    `${label.padEnd(width)}  ${cells.map((c, i) => c.padStart(cols[i] ?? 8)).join('  ')}`;
  const names = results.map((r) => r.name);
  console.log(line('', names));
  for (const [label, cell] of rows) console.log(line(label, results.map(cell)));
}

function clock(t: number): string {
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}

function main() {
  const arrivals = buildTrace();
  const total = arrivals.reduce((a, b) => a + b, 0);
  console.log(
    `trace: ${HORIZON_SECONDS / 3600} h, ${total} messages; bursts ${BURSTS.map((b) => `${b.name}: ${b.messages} at ${clock(b.at)}`).join(', ')}; 2 msg/s 10:00–30:00; ramp 0→4 msg/s 70:00–100:00`,
  );
  console.log(
    `worker: ${SECONDS_PER_MESSAGE} s/message, ${MESSAGES_PER_TASK} messages/task, 0..${MAX_TASKS} tasks, ${TASK_START_SECONDS} s to RUNNING; CloudWatch datapoints ${METRIC_DELAY_SECONDS} s after their minute\n`,
  );
  const ours = simulate(stevedore(), arrivals);
  const tt = simulate(targetTracking(0), arrivals);
  const k = simulate(keda(), arrivals);
  printTable([ours, tt, simulate(targetTracking(1), arrivals), k]);
  console.log(`
decision: seconds from a burst's first message until the desired count was first raised.
reaction: seconds from a burst's first message until running tasks >= min(max, ceil(backlog / messagesPerTask))
(time to capacity; the modelled task start is ${TASK_START_SECONDS} s, the goal ${1.1 * TASK_START_SECONDS} s).
ratios use "TT + step 0→1" (min 0, the same shape as the others) as the target-tracking baseline.
`);
  const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b).toFixed(3);
  console.log(
    `decision_seconds_max=${Math.max(...ours.decisions.map((d) => d ?? Number.POSITIVE_INFINITY))} capacity_seconds_max=${Math.max(...ours.reactions.map((d) => d ?? Number.POSITIVE_INFINITY))} over_task_minutes=${ours.overMinutes.toFixed(1)} reaction_ratio_tt=${ratio(mean(ours.reactions), mean(tt.reactions))} reaction_ratio_keda=${ratio(mean(ours.reactions), mean(k.reactions))} overprovision_ratio_tt=${ratio(ours.overMinutes, tt.overMinutes)}`,
  );
}

main();
