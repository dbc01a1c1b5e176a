import type { EventBus } from './event-bus';
import type { EventJournal, JournaledEvent } from './event-journal';

/*
 * The path of an event an endpoint acknowledges: journaled first (fsync'd), then put on the bus, and
 * marked done in the journal once the bus has handled it. The endpoints start before the bus does, and
 * a restart finds events an earlier run journaled but never finished: both wait in the journal and are
 * delivered when the bus connects.
 */
/** Pause before an event whose dead letter could not be written is delivered again. */
const REDELIVER_AFTER_MS = 5000;

export class DurableEvents {
  private bus: EventBus | undefined;

  constructor(private readonly journal: EventJournal) {}

  /**
   * Journals the event, then delivers it if the bus is up. Throws StateDirWriteError when it cannot be
   * written: the endpoint must then not acknowledge what produced it. The promise resolves once the
   * event is fsync'd (rejects if it cannot be), for an endpoint that answers only then.
   */
  publish(event: unknown): Promise<void> {
    // Once the bus is up its rules are known: an event no rule matches has nothing to deliver after a
    // crash either (EventBridge drops it too), so it is not journaled. Most task state changes are
    // such events (only a job task's RUNNING and STOPPED invoke a handler), and journaling each (a
    // line of the whole task, an fsync, a done line) was a share of a launch burst's CPU.
    if (this.bus && !this.bus.wants(event)) {
      void this.bus.put(event);
      return Promise.resolve();
    }
    const entry = this.journal.append(event);
    if (this.bus) this.deliver(this.bus, entry);
    return this.journal.flush();
  }

  /**
   * False when an event that agrees with `partial` (some of its fields) has nowhere to go: the bus is
   * up and none of its rules could match it. Until the bus is up every event is journaled, so true.
   */
  mayWant(partial: Readonly<Record<string, unknown>>): boolean {
    return this.bus === undefined || this.bus.mayWant(partial);
  }

  /** Delivers an event that could not be journaled: at most once, but not dropped. */
  deliverUnjournaled(event: unknown): void {
    void this.bus?.put(event);
  }

  /** Starts delivering: first every event still pending, in the order it was journaled. */
  connect(bus: EventBus): void {
    this.bus = bus;
    for (const entry of this.journal.pending()) this.deliver(bus, entry);
  }

  /** Events journaled and not yet done. */
  get pendingCount(): number {
    return this.journal.pending().length;
  }

  private deliver(bus: EventBus, entry: JournaledEvent): void {
    void bus.put(entry.event).then((handled) => {
      if (handled) this.journal.done(entry.id);
      // Not handled while the bus runs: its dead letter could not be written (a full disk). It is
      // delivered again a little later, once space may be back, rather than only after a restart.
      else if (!bus.isClosed) setTimeout(() => this.deliver(bus, entry), REDELIVER_AFTER_MS).unref();
    });
  }
}
