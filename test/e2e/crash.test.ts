import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Job } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { type DevProcess, eventually, jobsOf, startDev } from '../support/dev-process';

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
    180_000,
    `a SUCCEEDED job for each of the ${keys.length} acknowledged uploads`,
  );
}

describe('stevedore dev after a crash', () => {
  it('kill -9 of its process group mid-upload: every acknowledged upload gets exactly one job once it restarts on the same state dir', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'stevedore-crash-'));
    const workLog = join(stateDir, '..', `${stateDir.split('/').at(-1)}-work.log`);
    const env = { E2E_WORK_LOG: workLog, E2E_WORK_MS: '1500' };
    const first = await startDev({ config: CONFIG, stateDir, env });
    const acknowledged = await uploadUntilCrash(first, 60, 25, () => first.kill9());
    expect(acknowledged.length).toBeGreaterThanOrEqual(25);

    const second = await startDev({ config: CONFIG, stateDir, env });
    try {
      const jobs = await settledJobs(second, acknowledged);
      // Exactly one job per acknowledged upload: none lost in the crash, none made twice by a redelivery.
      const counts = acknowledged.map((key) => jobs.get(key)?.length ?? 0);
      expect(counts.filter((n) => n !== 1)).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 300_000);
});
