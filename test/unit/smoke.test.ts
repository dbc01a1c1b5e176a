import { parseTaskStateChange, snapshotOfDetail } from '@stevedore/core';
import { expect, it } from 'vitest';
import { taskLifecycle } from '../support/ecs-events';

it('derives a full lifecycle from the real fixture', () => {
  const events = taskLifecycle({ jobId: 'p-0123456789abcdef0123', attempt: 1, exitCode: 0 });
  const snapshots = events.map((e) => snapshotOfDetail(parseTaskStateChange(e).detail));
  expect(snapshots.map((s) => s.lastStatus)).toEqual([
    'PROVISIONING',
    'PENDING',
    'ACTIVATING',
    'RUNNING',
    'DEACTIVATING',
    'STOPPING',
    'DEPROVISIONING',
    'STOPPED',
  ]);
  expect(snapshots.at(-1)?.overrideEnv.STEVEDORE_ATTEMPT).toBe('1');
});
