import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/*
 * Where bench:burst's CPU goes. Everything of `stevedore dev` but DynamoDB Local (a JVM) and the task
 * processes runs in this one Node process, so process.cpuUsage() alone cannot tell the control plane
 * from the stand-ins. A sampling profile of this process can: each sample goes to the component of
 * the innermost frame on its stack that belongs to one (the handlers' code, the local ECS, the bus,
 * S3/SQS, the job-event stream, the bench). What no frame claims (the AWS SDK answering a response,
 * HTTP, GC) is shown apart, and counted with the control plane for its share, as an upper bound: the
 * handlers are the SDK's main users, but the job-event stream's poller uses it too.
 * DynamoDB Local, the runtime's watchdog and the task processes (the watchdog spawns and reaps them)
 * are read from /proc. The uploaders run in a child process of their own that reports its CPU: it is
 * taken out of the reaped children's and shown apart.
 */

const COMPONENTS: ReadonlyArray<[name: string, test: (url: string, fn: string) => boolean]> = [
  [
    'local ECS: spawning task processes',
    (url, fn) => url === 'node:internal/child_process' && /spawn/i.test(fn),
  ],
  ['local ECS', (url) => url.includes('/packages/local/src/ecs/')],
  ['bus', (url) => url.includes('/packages/local/src/bus/')],
  [
    'job-event stream',
    (url) => url.includes('/packages/local/src/job-events/') || url.includes('client-dynamodb-streams'),
  ],
  [
    'S3/SQS',
    (url) =>
      url.includes('/packages/local/src/storage/') || /node_modules\/(fauxqs|fastify|@fastify)\//.test(url),
  ],
  ['local runtime (other)', (url) => url.includes('/packages/local/')],
  ['bench', (url) => url.includes('/bench/')],
  ['control plane', (url) => /\/packages\/(control|core|aws)\/|\/functions\//.test(url)],
];
const STAND_INS = new Set([
  'local ECS: spawning task processes',
  'local ECS',
  'bus',
  'job-event stream',
  'S3/SQS',
  'local runtime (other)',
]);
const SHARED = 'AWS SDK, HTTP, GC (unclaimed)';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** CPU seconds of a process from /proc/<pid>/stat: its own, and its reaped children's. */
function procCpu(pid: number | 'self'): { own: number; children: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces), from field 3 on.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const tick = 100; // USER_HZ on Linux
    const at = (n: number) => (fields[n - 3] ?? 0) / tick;
    return { own: at(14) + at(15), children: at(16) + at(17) };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of this process's descendants alive now: DynamoDB Local's JVM, and the runtime's
 * watchdog, which spawns the task processes and so reaps them (their CPU is its reaped children's).
 */
interface DescendantsCpu {
  jvm: number;
  watchdog: number;
  /** Children the descendants reaped: the task processes. */
  reapedByThem: number;
}

function descendantsCpu(): DescendantsCpu {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!mine.has(pid) && mine.has(ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  mine.delete(process.pid);
  const seconds: DescendantsCpu = { jvm: 0, watchdog: 0, reapedByThem: 0 };
  for (const pid of mine) {
    const cpu = procCpu(pid);
    if (!cpu) continue;
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    // Tasks alive at the end are left out: bench:burst waits for every one to stop.
    if (command === 'java') seconds.jvm += cpu.own;
    else if (command === 'node') seconds.watchdog += cpu.own;
    else continue;
    seconds.reapedByThem += cpu.children;
  }
  return seconds;
}

export interface CpuReport {
  wallSeconds: number;
  nodeSeconds: number;
  /** DynamoDB Local's JVM over the run. */
  childrenSeconds: number;
  /** The runtime's watchdog process over the run: it spawns the tasks. */
  watchdogSeconds: number;
  /** Children that ended during the run: the task processes (the uploader taken out), reaped by the watchdog. */
  reapedSeconds: number;
  /** The uploader process (a reaped child too), as it reported its own CPU. */
  uploaderSeconds: number;
  /** Sampled CPU seconds of this process by component (idle excluded). */
  components: Map<string, number>;
  controlPlaneShare: { claimed: number; upperBound: number };
}

/** Starts measuring; `stop()` returns the report. */
export async function startCpuAccounting(samplingIntervalUs = 2000) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.post('Profiler.start');
  const startedAt = performance.now();
  const node = process.cpuUsage();
  const self = procCpu('self');
  const children = descendantsCpu();

  return {
    /** `uploaderSeconds`: the CPU of the uploader child process, which has exited by now. */
    async stop({ uploaderSeconds = 0 } = {}): Promise<CpuReport> {
      const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
      session.disconnect();
      // For reading where the time went in a profiler (Chrome DevTools, speedscope).
      if (process.env.BENCH_CPU_PROFILE)
        writeFileSync(process.env.BENCH_CPU_PROFILE, JSON.stringify(profile));
      const used = process.cpuUsage(node);
      const nodeSeconds = (used.user + used.system) / 1e6;
      const components = attribute(profile);
      // Scale the samples (wall time on the main thread, minus idle) to the CPU the process used:
      // worker threads and the kernel's share land in (program) and GC otherwise.
      const sampled = [...components.values()].reduce((a, b) => a + b, 0);
      const scale = sampled > 0 ? nodeSeconds / sampled : 0;
      for (const [name, seconds] of components) components.set(name, seconds * scale);
      const after = descendantsCpu();
      const childrenSeconds = Math.max(0, after.jvm - children.jvm);
      const watchdogSeconds = Math.max(0, after.watchdog - children.watchdog);
      const reaped =
        Math.max(0, (procCpu('self')?.children ?? 0) - (self?.children ?? 0)) +
        Math.max(0, after.reapedByThem - children.reapedByThem);
      // /proc counts in ticks of 10 ms and the uploader misses its own exit: never below zero.
      const reapedSeconds = Math.max(0, reaped - uploaderSeconds);
      const total = nodeSeconds + childrenSeconds + watchdogSeconds + reapedSeconds + uploaderSeconds;
      const claimed = components.get('control plane') ?? 0;
      const shared = components.get(SHARED) ?? 0;
      return {
        wallSeconds: (performance.now() - startedAt) / 1000,
        nodeSeconds,
        childrenSeconds,
        watchdogSeconds,
        reapedSeconds,
        uploaderSeconds,
        components,
        controlPlaneShare: {
          claimed: total > 0 ? claimed / total : 0,
          upperBound: total > 0 ? (claimed + shared) / total : 0,
        },
      };
    },
  };
}

/** Sampled seconds per component: each sample to the innermost frame on its stack a component claims. */
function attribute(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const owner = new Map<number, string | undefined>();
  const ownerOf = (id: number): string | undefined => {
    if (owner.has(id)) return owner.get(id);
    const node = byId.get(id);
    let found: string | undefined;
    if (node) {
      const { url, functionName } = node.callFrame;
      if (functionName === '(idle)') found = '(idle)';
      else found = COMPONENTS.find(([, test]) => test(url, functionName))?.[0];
      const up = parent.get(id);
      if (!found && up !== undefined) found = ownerOf(up);
    }
    owner.set(id, found);
    return found;
  };
  const seconds = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const name = ownerOf(id) ?? SHARED;
    if (name === '(idle)') return;
    seconds.set(name, (seconds.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1e6);
  });
  return seconds;
}

/** The report as the bench prints it. */
export function describeCpu(report: CpuReport): string[] {
  const { components } = report;
  const total =
    report.nodeSeconds +
    report.childrenSeconds +
    report.watchdogSeconds +
    report.reapedSeconds +
    report.uploaderSeconds;
  const s = (n: number) => `${n.toFixed(1)} s`;
  const part = (names: (name: string) => boolean) =>
    [...components]
      .filter(([name]) => names(name))
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${s(n)}`)
      .join(', ');
  const standIns = [...components].filter(([n]) => STAND_INS.has(n)).reduce((a, [, n]) => a + n, 0);
  return [
    `cpu                     ${s(total)} in ${s(report.wallSeconds)} (${(total / report.wallSeconds).toFixed(2)} cores): this process ${s(report.nodeSeconds)}, DynamoDB Local (JVM) ${s(report.childrenSeconds)}, watchdog (spawns the tasks) ${s(report.watchdogSeconds)}, task processes ${s(report.reapedSeconds)}, uploader process ${s(report.uploaderSeconds)}`,
    `  control plane         ${s(components.get('control plane') ?? 0)} in its own code (handlers: control, core, aws); ${SHARED} ${s(components.get(SHARED) ?? 0)}`,
    `  stand-ins             ${s(standIns)}: ${part((n) => STAND_INS.has(n))}`,
    `  bench                 ${s(components.get('bench') ?? 0)} (polling; the uploads are the uploader process's)`,
    `control plane share     ${(100 * report.controlPlaneShare.claimed).toFixed(1)}% of all CPU (at most ${(100 * report.controlPlaneShare.upperBound).toFixed(1)}%, counting every unclaimed SDK/HTTP/GC sample as its)`,
  ];
}
