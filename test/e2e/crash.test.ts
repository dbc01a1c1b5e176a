import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Job } from '@stevedore/core/job';
import { isAlive } from '@stevedore/local';
import { describe, expect, it } from 'vitest';
import { type DevProcess, eventually, jobsOf, startDev } from '../support/dev-process';
import { readWorkLog } from '../support/work-log';

/*
 * `stevedore dev` killed as a crash kills it (kill -9 of its whole process group) or stopped with
 * Ctrl-C while objects arrive and tasks run, then started again on the same state dir: every upload S3
 * acknowledged gets exactly one job, every job's work is done exactly once, and no task outlives the
 * runtime that started it.
 */

const CONFIG = 'test/e2e/configs/crash.config.ts';
const BUCKET = 'e2e-crash';

/**
 * Uploads `count` objects, a few at a time, and calls `crash` once `crashAfter` were acknowledged;
 * returns the keys S3 acknowledged (the uploads refused by the dead endpoint are not).
 */
async function uploadUntilCrash(
  dev: DevProcess,
  count: number,
  crashAfter: number,
  crash: () => Promise<void>,
): Promise<string[]> {
  const acknowledged: string[] = [];
  let next = 0;
  let crashing: Promise<void> | undefined;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < count) {
        const key = `in/object-${next++}.bin`;
        try {
          await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
          acknowledged.push(key);
        } catch {
          // Not acknowledged: the runtime is gone (or going). The SDK's retries are over.
        }
        if (acknowledged.length >= crashAfter) crashing ??= crash();
      }
    }),
  );
  await crashing;
  return acknowledged;
}

/** Waits until every key has a SUCCEEDED job; returns the jobs by key. */
async function settledJobs(dev: DevProcess, keys: readonly string[]): Promise<Map<string, Job[]>> {
  return eventually(
    async () => {
      const byKey = new Map<string, Job[]>();
      for (const job of await jobsOf(dev, 'work')) {
        const key = job.input.S3_KEY ?? '';
        byKey.set(key, [...(byKey.get(key) ?? []), job]);
      }
      const settled = keys.every((key) => byKey.get(key)?.some((job) => job.state === 'SUCCEEDED'));
      return settled ? byKey : undefined;
    },
    400_000,
    `a SUCCEEDED job for each of the ${keys.length} acknowledged uploads`,
  );
}

describe('stevedore dev after a crash', () => {
  it('kill -9 of its process group mid-upload: no task outlives it, and after a restart on the same state dir every acknowledged upload gets exactly one job, its work done once', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'stevedore-crash-'));
    const workLog = join(stateDir, '..', `${stateDir.split('/').at(-1)}-work.log`);
    const env = { E2E_WORK_LOG: workLog, E2E_WORK_MS: '1500' };
    const first = await startDev({ config: CONFIG, stateDir, env, timeoutMs: 180_000 });
    // Killed mid-upload, once tasks are mid-work too (on a busy machine they start late).
    const acknowledged = await uploadUntilCrash(first, 60, 25, async () => {
      await eventually(
        async () => (readWorkLog(workLog).pids.length > 0 ? true : undefined),
        60_000,
        'a task to start',
      );
      await first.kill9();
    });
    expect(acknowledged.length).toBeGreaterThanOrEqual(25);
    // The tasks it was running die with it: none goes on working for a runtime that is gone.
    await eventually(
      async () => (readWorkLog(workLog).pids.some(isAlive) ? undefined : true),
      15_000,
      'no task process of the killed runtime left running',
    );
    expect(readWorkLog(workLog).pids.length).toBeGreaterThan(0);

    const second = await startDev({ config: CONFIG, stateDir, env, timeoutMs: 180_000 });
    try {
      const jobs = await settledJobs(second, acknowledged);
      // Exactly one job per acknowledged upload: none lost in the crash, none made twice by a redelivery.
      const counts = acknowledged.map((key) => jobs.get(key)?.length ?? 0);
      expect(counts.filter((n) => n !== 1)).toEqual([]);
      // And each one's work was done once: not by an orphan and again by a retry.
      const { done } = readWorkLog(workLog);
      expect(acknowledged.filter((key) => done.get(key) !== 1)).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 600_000);
  it('Ctrl-C mid-burst: handlers finish before the stores close, and after a restart every upload has one job, its work done once', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'stevedore-ctrlc-'));
    const workLog = `${stateDir}-work.log`;
    const env = { E2E_WORK_LOG: workLog, E2E_WORK_MS: '1500' };
    const first = await startDev({ config: CONFIG, stateDir, env, timeoutMs: 180_000 });
    const acknowledged = await uploadUntilCrash(first, 40, 40, async () => {});
    await eventually(
      async () => (readWorkLog(workLog).pids.length >= 5 ? true : undefined),
      120_000,
      'five tasks to start',
    );

    const code = await first.stop();

    expect(code).toBe(0);
    // Nothing was cut off under a handler: no store closed while it still wrote.
    expect(first.output()).not.toMatch(/socket hang up|ECONNREFUSED|event dead-lettered/);
    expect(readWorkLog(workLog).pids.filter(isAlive)).toEqual([]);
    const second = await startDev({ config: CONFIG, stateDir, env, timeoutMs: 180_000 });
    try {
      const jobs = await settledJobs(second, acknowledged);
      expect(acknowledged.filter((key) => jobs.get(key)?.length !== 1)).toEqual([]);
      const { done } = readWorkLog(workLog);
      expect(acknowledged.filter((key) => done.get(key) !== 1)).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 600_000);
});
