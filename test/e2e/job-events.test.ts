import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { JobEventEnvelope } from '@stevedore/core/job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevProcess, eventually, runCli, startDev } from '../support/dev-process';

/*
 * Job events on `stevedore dev`: a job that fails after its retry publishes, from the ledger's stream,
 * the events a user's EventBridge rule would get, in events.jsonl and through `stevedore events`.
 */

const CONFIG = 'test/e2e/configs/jobs.config.ts';
const KEY = 'broken/report.csv';

function eventsIn(stateDir: string): JobEventEnvelope[] {
  const file = join(stateDir, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JobEventEnvelope);
}

describe('job events on stevedore dev', () => {
  let dev: DevProcess;
  beforeAll(async () => {
    // --verbose: the job-event lines are in the full view, not the default one.
    dev = await startDev({ config: CONFIG, args: ['--verbose'] });
  });
  afterAll(async () => {
    expect(await dev.stop()).toBe(0);
  });

  it('a FAILED job: its events in events.jsonl, in the EventBridge envelope, and from `stevedore events --json`', async () => {
    await dev.s3.send(new PutObjectCommand({ Bucket: 'e2e-inbox', Key: KEY, Body: 'a,b\n' }));

    const failed = await eventually(
      async () => eventsIn(dev.stateDir).find((e) => e.detail.state === 'FAILED'),
      120_000,
      'a FAILED job event in events.jsonl',
    );

    expect(failed).toMatchObject({
      version: '0',
      source: 'stevedore',
      'detail-type': 'Stevedore Job State Change',
      account: dev.endpoints.accountId,
      region: dev.endpoints.region,
      resources: [],
      detail: {
        change: 'state-changed',
        kind: 'pipeline',
        pipeline: 'broken',
        task: 'broken',
        state: 'FAILED',
        previousState: 'RUNNING',
        attempt: 2,
        maxAttempts: 2,
        exitCode: 3,
        input: { bucket: 'e2e-inbox', key: KEY },
      },
    });
    const { detail } = failed;
    expect(detail.reason).toContain('exited with code 3');
    expect(detail.stopCode).toBe('EssentialContainerExited');
    expect(detail.durationSeconds).toBeGreaterThan(0);
    expect(detail.cost?.usd).toBeGreaterThan(0);
    expect(JSON.stringify(detail)).not.toContain('EXIT_CODE');
    const job = await dev.ledger.jobs.getJob(detail.jobId);
    expect(job?.state).toBe('FAILED');

    // The whole life of the job, once each, in order: no event for the task's steps inside a state.
    const ofJob = eventsIn(dev.stateDir).filter((e) => e.detail.jobId === detail.jobId);
    expect(ofJob.map((e) => `${e.detail.change}:${e.detail.state}:${e.detail.attempt}`)).toEqual([
      'created:SUBMITTED:1',
      'state-changed:STARTING:1',
      'state-changed:RUNNING:1',
      'retry-scheduled:SUBMITTED:2',
      'state-changed:STARTING:2',
      'state-changed:RUNNING:2',
      'state-changed:FAILED:2',
    ]);
    expect(ofJob[3]?.detail).toMatchObject({ exitCode: 3, previousState: 'RUNNING' });
    expect(dev.output()).toContain(`job ${detail.jobId} broken: RUNNING -> FAILED`);

    const cli = await runCli(['events', '--json', '--job', detail.jobId, '--state-dir', dev.stateDir]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const printed = cli.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as JobEventEnvelope);
    expect(printed).toEqual(ofJob);

    const table = await runCli(['events', '--state-dir', dev.stateDir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TIME \(\S+\)\s+JOB\s+SOURCE\s+STATE/);
    expect(Math.max(...table.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(table.stdout).toContain('RUNNING -> FAILED');
  });
});
