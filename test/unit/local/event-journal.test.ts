import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableEvents, EventBus, EventJournal } from '@stevedore/local';
import { describe, expect, it } from 'vitest';

const journalPath = () => join(mkdtempSync(join(tmpdir(), 'journal-')), 'event-journal.jsonl');
const event = (n: number) => ({ source: 'test', 'detail-type': 'Test', detail: { n } });
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('EventJournal', () => {
  it('keeps what was appended and not done across a reopen, in order, and compacts the done away', () => {
    const path = journalPath();
    const journal = EventJournal.openAt(path);
    const [a, b, c] = [event(1), event(2), event(3)].map((e) => journal.append(e));
    journal.done(b?.id ?? '');
    journal.close(); // as a kill -9 would leave it: no shutdown step of its own

    const reopened = EventJournal.openAt(path);

    expect(reopened.pending()).toEqual([a, c]);
    expect(lines(path)).toHaveLength(2);
  });

  it('drops a line torn by a crash mid-append (never acknowledged) and keeps appending cleanly', () => {
    const path = journalPath();
    const journal = EventJournal.openAt(path);
    const kept = journal.append(event(1));
    journal.close();
    appendFileSync(path, '{"put":"torn","event":{"sou');

    const reopened = EventJournal.openAt(path);
    const next = reopened.append(event(2));
    reopened.close();

    expect(EventJournal.openAt(path).pending()).toEqual([kept, next]);
  });

  it('compacts while running once done lines dominate, so a long session does not grow it forever', () => {
    const path = journalPath();
    const journal = EventJournal.openAt(path);
    const entries = Array.from({ length: 2100 }, (_, n) => journal.append(event(n)));
    for (const entry of entries.slice(0, 2050)) journal.done(entry.id);

    expect(lines(path).length).toBeLessThan(200);
    expect(journal.pending()).toEqual(entries.slice(2050));
    journal.close();
    expect(EventJournal.openAt(path).pending()).toEqual(entries.slice(2050));
  });
});

describe('DurableEvents', () => {
  it('delivers what was journaled before the bus was up, and marks each event done only once handled', async () => {
    const path = journalPath();
    const got: number[] = [];
    const bus = new EventBus({
      deadLetterFile: join(path, '..', 'dead-letters.jsonl'),
      targets: [
        {
          name: 'record',
          pattern: { source: ['test'] },
          handler: async (e) => void got.push((e as ReturnType<typeof event>).detail.n),
        },
      ],
    });
    const durable = new DurableEvents(EventJournal.openAt(path));

    durable.publish(event(1)); // an endpoint acknowledged it before the handlers were up
    durable.connect(bus);
    durable.publish(event(2));
    await bus.drain();

    expect(got.sort()).toEqual([1, 2]);
    expect(durable.pendingCount).toBe(0);
    expect(EventJournal.openAt(path).pending()).toEqual([]);
  });

  it('does not journal an event no rule of the connected bus matches, and journals one before the bus is up', async () => {
    const path = journalPath();
    const got: number[] = [];
    const bus = new EventBus({
      deadLetterFile: join(path, '..', 'dead-letters.jsonl'),
      targets: [
        {
          name: 'record',
          pattern: { source: ['test'], detail: { n: [1, 2] } },
          handler: async (e) => void got.push((e as ReturnType<typeof event>).detail.n),
        },
      ],
    });
    const durable = new DurableEvents(EventJournal.openAt(path));

    durable.publish(event(3)); // before the bus: its rules are not known yet
    const journaledEarly = lines(path).length;
    durable.connect(bus);
    durable.publish(event(1));
    durable.publish(event(4));
    await bus.drain();

    expect(journaledEarly).toBe(1);
    expect(got).toEqual([1]);
    expect(
      lines(path)
        .filter((line) => line.includes('"detail"'))
        .map((line) => JSON.parse(line).event.detail.n),
    ).toEqual([3, 1]);
    expect(bus.stats.published).toBe(3);
    expect(durable.pendingCount).toBe(0);
  });

  it('leaves an event pending when the bus closes before its handler finished: the next start delivers it', async () => {
    const path = journalPath();
    let release: () => void = () => {};
    const bus = new EventBus({
      deadLetterFile: join(path, '..', 'dead-letters.jsonl'),
      targets: [
        {
          name: 'slow',
          pattern: { source: ['test'] },
          handler: () =>
            new Promise<void>((_, reject) => {
              release = () => reject(new Error('socket hang up'));
            }),
        },
      ],
    });
    const durable = new DurableEvents(EventJournal.openAt(path));
    durable.connect(bus);

    durable.publish(event(1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const closing = bus.close();
    release(); // its store went away under it
    await closing;

    expect(
      EventJournal.openAt(path)
        .pending()
        .map((e) => e.event),
    ).toEqual([event(1)]);
  });
});

describe('EventBus on a full disk', () => {
  it('reports a dead letter it cannot write (ENOSPC) instead of throwing, and leaves the event not done', async () => {
    const failures: string[] = [];
    const bus = new EventBus({
      // Linux's /dev/full answers every write with ENOSPC: a full disk, for real.
      deadLetterFile: '/dev/full',
      attempts: 1,
      onDeadLetterWriteFailed: (error) => failures.push(`${error.name} ${error.code}`),
      targets: [
        {
          name: 'failing',
          pattern: { source: ['test'] },
          handler: async () => {
            throw new Error('boom');
          },
        },
      ],
    });

    const handled = await bus.put(event(1));

    expect(handled).toBe(false);
    expect(failures).toEqual(['StateDirWriteError ENOSPC']);
    expect(bus.stats.deadLettered).toBe(0);
  });
});
