import type { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EventBridgeJobEvents, JobEventsError, putEventsEntries } from '@stevedore/aws';
import type { JobStateChange } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';

/* The EventBridge publisher: exactly what PutEvents receives, and what happens to refused entries. */

function change(n: number): JobStateChange {
  return {
    jobId: `thumbnails-${n}`,
    change: 'state-changed',
    kind: 'pipeline',
    pipeline: 'thumbnails',
    task: 'resize',
    state: 'FAILED',
    previousState: 'RUNNING',
    attempt: 1,
    maxAttempts: 1,
    exitCode: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    at: '2026-01-01T00:01:30.250Z',
  };
}

/** A client whose PutEvents refuses the entries `refuse` picks, call by call. */
function fakeClient(refuse: (call: number, entry: PutEventsRequestEntry) => boolean) {
  const calls: PutEventsRequestEntry[][] = [];
  const client = {
    async send(command: PutEventsCommand) {
      const entries = command.input.Entries ?? [];
      calls.push(entries);
      const results = entries.map((entry) =>
        refuse(calls.length, entry)
          ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }
          : { EventId: `id-${calls.length}` },
      );
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },
  };
  return { client: client as unknown as EventBridgeClient, calls };
}

describe('EventBridgeJobEvents', () => {
  it('sends each event as a Stevedore Job State Change on the bus, its time the transition', () => {
    expect(putEventsEntries([change(1)], 'default')).toEqual([
      {
        EventBusName: 'default',
        Source: 'stevedore',
        DetailType: 'Stevedore Job State Change',
        Time: new Date('2026-01-01T00:01:30.250Z'),
        Resources: [],
        Detail: JSON.stringify(change(1)),
      },
    ]);
  });

  it('puts 23 events in calls of at most ten, in order', async () => {
    const { client, calls } = fakeClient(() => false);
    const events = Array.from({ length: 23 }, (_, i) => change(i));

    await new EventBridgeJobEvents({ eventBus: 'default', client }).publish(events);

    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls.flat().map((e) => JSON.parse(e.Detail ?? '{}').jobId)).toEqual(events.map((e) => e.jobId));
  });

  it('sends again only the entries EventBridge refused', async () => {
    const { client, calls } = fakeClient(
      (call, entry) => call === 1 && entry.Detail?.includes('"thumbnails-1"') === true,
    );

    await new EventBridgeJobEvents({ eventBus: 'default', client, retryDelayMs: 0 }).publish([
      change(0),
      change(1),
    ]);

    expect(calls.map((c) => c.map((e) => JSON.parse(e.Detail ?? '{}').jobId))).toEqual([
      ['thumbnails-0', 'thumbnails-1'],
      ['thumbnails-1'],
    ]);
  });

  it('throws, naming the error, when entries are still refused after its attempts', async () => {
    const { client, calls } = fakeClient(() => true);
    const publisher = new EventBridgeJobEvents({ eventBus: 'ops', client, attempts: 3, retryDelayMs: 0 });

    const published = publisher.publish([change(0)]);

    await expect(published).rejects.toThrow(JobEventsError);
    await expect(published).rejects.toThrow(
      /refused 1 job event\(s\) on ops after 3 calls \(ThrottlingException/,
    );
    expect(calls).toHaveLength(3);
  });
});
