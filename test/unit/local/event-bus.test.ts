import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '@stevedore/local';
import { describe, expect, it } from 'vitest';

const pattern = { source: ['test'] };
const event = (n: number) => ({ source: 'test', 'detail-type': 'Test', detail: { n } });
const deadLetters = () => join(mkdtempSync(join(tmpdir(), 'bus-')), 'dead-letters.jsonl');

describe('EventBus', () => {
  it('delivers matching events to each matching target, and no others', async () => {
    const got: string[] = [];
    const bus = new EventBus({
      deadLetterFile: deadLetters(),
      targets: [
        {
          name: 'a',
          pattern,
          handler: async (e) => void got.push(`a${(e as ReturnType<typeof event>).detail.n}`),
        },
        { name: 'b', pattern: { source: ['other'] }, handler: async () => void got.push('b') },
      ],
    });

    bus.put(event(1));
    bus.put({ source: 'nobody' });
    await bus.drain();

    expect(got).toEqual(['a1']);
  });

  it('retries a failing handler with backoff, then writes the event to the dead-letter file', async () => {
    const file = deadLetters();
    let calls = 0;
    const failures: boolean[] = [];
    const bus = new EventBus({
      deadLetterFile: file,
      attempts: 3,
      retryDelayMs: 5,
      onFailure: ({ final }) => failures.push(final),
      targets: [
        {
          name: 'flaky',
          pattern,
          handler: async () => {
            calls += 1;
            throw new Error('boom');
          },
        },
      ],
    });

    bus.put(event(7));
    await bus.drain();

    expect(calls).toBe(3);
    expect(failures).toEqual([false, false, true]);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ target: 'flaky', attempts: 3, error: 'Error: boom', event: event(7) }),
    ]);
    expect(bus.stats).toMatchObject({ delivered: 0, retried: 2, deadLettered: 1 });
  });

  it('succeeds on a retry without dead-lettering', async () => {
    const file = deadLetters();
    let calls = 0;
    const bus = new EventBus({
      deadLetterFile: file,
      retryDelayMs: 5,
      targets: [
        {
          name: 't',
          pattern,
          handler: async () =>
            void (
              calls++ === 0 &&
              (() => {
                throw new Error('once');
              })()
            ),
        },
      ],
    });

    bus.put(event(1));
    await bus.drain();

    expect(calls).toBe(2);
    expect(bus.stats.deadLettered).toBe(0);
  });

  it('duplicates and reorders deliveries when asked to', async () => {
    const got: number[] = [];
    let r = 0;
    const sequence = [0.1, 0.9, 0.5]; // duplicate? reorder? delay fraction, per event
    const bus = new EventBus({
      deadLetterFile: deadLetters(),
      faults: { duplicate: 0.5, reorder: 0.5 },
      random: () => sequence[r++ % sequence.length] as number,
      targets: [
        { name: 't', pattern, handler: async (e) => void got.push((e as ReturnType<typeof event>).detail.n) },
      ],
    });

    for (let n = 1; n <= 20; n++) bus.put(event(n));
    await bus.drain();

    expect(got.length).toBeGreaterThan(20);
    expect(new Set(got)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i + 1)));
  });

  it('invokes a target directly, with no pattern; the duplicate fault repeats the invocation', async () => {
    const got: unknown[] = [];
    const target = {
      name: 'schedule-fired',
      pattern: { source: ['never'] },
      handler: async (e: unknown) => void got.push(e),
    };
    const once = new EventBus({ deadLetterFile: deadLetters(), targets: [] });
    const twice = new EventBus({
      deadLetterFile: deadLetters(),
      faults: { duplicate: 1, reorder: 0 },
      random: () => 0.5,
      targets: [],
    });
    const input = { schedule: 'nightly', scheduledTime: '2026-11-22T03:00:00.000Z' };

    once.invoke(target, input);
    await once.drain();
    const afterOnce = got.length;
    twice.invoke(target, input);
    await twice.drain();

    expect(afterOnce).toBe(1);
    expect(got).toEqual([input, input, input]);
  });

  it('abandons pending retries on close', async () => {
    let calls = 0;
    const bus = new EventBus({
      deadLetterFile: deadLetters(),
      retryDelayMs: 60_000,
      targets: [
        {
          name: 't',
          pattern,
          handler: async () => {
            calls += 1;
            throw new Error('no');
          },
        },
      ],
    });

    bus.put(event(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await bus.close();

    expect(calls).toBe(1);
    expect(bus.stats.deadLettered).toBe(0);
  });
});
