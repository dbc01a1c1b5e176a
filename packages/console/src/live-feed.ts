import type { Job } from '@stevedore/core/job';
import { jobJson, type workerStatus } from './api';
import type { ConsoleBackend } from './backend';

/*
 * Live updates for every open page over server-sent events, from one loop for the whole console:
 * each tick reads the newest page of jobs once (whatever the number of rows or browsers), each job a
 * page follows once, and each worker a page shows once; what changed is sent to the subscribers.
 * Nothing is read while no page is open.
 */

/**
 * What each event carries: the same values as the API's answers, so a page merges a live row into rows
 * it fetched (a job with its cost, as /api/jobs and `stevedore jobs list --json` give it).
 */
export interface LiveEvents {
  jobs: ReturnType<typeof jobJson>[];
  worker: Awaited<ReturnType<typeof workerStatus>>;
  log: { jobId: string; attempt: number; text: string; next: string };
}

export interface Subscriber {
  /** Jobs on this page that must be followed even off the newest page (the job page's job). */
  jobs: ReadonlySet<string>;
  workers: ReadonlySet<string>;
  /** A task log this page follows, from where it has read to. */
  log?: { jobId: string; attempt: number; from: string };
  send<E extends keyof LiveEvents>(event: E, data: LiveEvents[E]): void;
}

export interface LiveFeedOptions {
  intervalMs: number;
  /** Reads a worker's status (the API's). */
  workerStatus(name: string): Promise<LiveEvents['worker']>;
  onError(error: unknown): void;
}

/** Jobs read per tick from the top of the ledger's listing. */
export const NEWEST_PAGE = 100;

export class LiveFeed {
  readonly #subscribers = new Set<Subscriber>();
  /** updatedAt of each job last sent (or first seen). */
  readonly #seen = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(
    private readonly backend: ConsoleBackend,
    private readonly options: LiveFeedOptions,
  ) {}

  /** Adds a page; returns how to remove it. */
  subscribe(subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber);
    this.#schedule();
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#subscribers.clear();
  }

  #schedule(): void {
    if (this.#timer || this.#subscribers.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.tick()
        .catch((error: unknown) => this.options.onError(error))
        .finally(() => this.#schedule());
    }, this.options.intervalMs);
  }

  /** One round of reads and sends (the loop calls it; tests may too). */
  async tick(): Promise<void> {
    if (this.#running || this.#subscribers.size === 0) return;
    this.#running = true;
    try {
      const subscribers = [...this.#subscribers];
      const followed = new Set(subscribers.flatMap((s) => [...s.jobs]));
      const workers = new Set(subscribers.flatMap((s) => [...s.workers]));
      const { jobs: newest } = await this.backend.deps.jobs.listJobs({ limit: NEWEST_PAGE });
      const onPage = new Set(newest.map((job) => job.jobId));
      const others = await Promise.all(
        [...followed].filter((id) => !onPage.has(id)).map((id) => this.backend.deps.jobs.getJob(id)),
      );
      const changed = [...newest, ...others.filter((job): job is Job => job !== undefined)].filter((job) => {
        const before = this.#seen.get(job.jobId);
        this.#seen.set(job.jobId, job.updatedAt);
        return before !== job.updatedAt;
      });
      this.#forget(onPage, followed);
      if (changed.length > 0) {
        const rows = changed.map(jobJson);
        for (const s of subscribers) s.send('jobs', rows);
      }
      const byId = new Map([...newest, ...others].flatMap((job) => (job ? [[job.jobId, job] as const] : [])));
      for (const s of subscribers) await this.#followLog(s, byId);
      for (const name of workers) {
        const status = await this.options.workerStatus(name);
        for (const s of subscribers) if (s.workers.has(name)) s.send('worker', status);
      }
    } finally {
      this.#running = false;
    }
  }

  /** Sends what the followed log gained since the page last read it. */
  async #followLog(subscriber: Subscriber, jobs: ReadonlyMap<string, Job>): Promise<void> {
    const follow = subscriber.log;
    const job = follow ? jobs.get(follow.jobId) : undefined;
    if (!follow || !job?.attempts[String(follow.attempt)]) return;
    const chunk = await this.backend.readLog(job, follow.attempt, follow.from);
    if (chunk.text.length === 0) return;
    follow.from = chunk.next;
    subscriber.send('log', {
      jobId: follow.jobId,
      attempt: follow.attempt,
      text: chunk.text,
      next: chunk.next,
    });
  }

  /** Keeps the memory to the jobs still on the newest page or followed. */
  #forget(onPage: ReadonlySet<string>, followed: ReadonlySet<string>): void {
    if (this.#seen.size <= NEWEST_PAGE * 4) return;
    for (const id of this.#seen.keys()) if (!onPage.has(id) && !followed.has(id)) this.#seen.delete(id);
  }
}
