import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, startDynamoDbLocal } from '@stevedore/local';
import { describe, expect, it } from 'vitest';

describe('startDynamoDbLocal', () => {
  it('names DynamoDB Local, its pid and the setting to raise when it does not answer in time, and leaves no java behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ddb-timeout-'));

    // Java cannot start in 1 ms: the wait runs out for real.
    const error = await startDynamoDbLocal({ dataDir, startTimeoutMs: 1 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    expect(error?.message).toMatch(
      /^DynamoDB Local \(java, pid (\d+)\) did not answer on http:\/\/127\.0\.0\.1:\d+ within 0\.001 s; .*STEVEDORE_DYNAMODB_START_SECONDS=<seconds>/,
    );
    const pid = Number(/pid (\d+)/.exec(error?.message ?? '')?.[1]);
    expect(isAlive(pid)).toBe(false);
  }, 60_000);

  it("runs java with the serial collector and the client compiler, the user's own JAVA_TOOL_OPTIONS after them, and leaves this process's environment as it was", async () => {
    const before = process.env.JAVA_TOOL_OPTIONS;
    process.env.JAVA_TOOL_OPTIONS = '-Xmx512m';
    try {
      const dynamo = await startDynamoDbLocal({ startTimeoutMs: 180_000 });
      try {
        const environ = readFileSync(`/proc/${dynamo.pid}/environ`, 'utf8').split('\0');

        expect(environ).toContain('JAVA_TOOL_OPTIONS=-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx512m');
        expect(process.env.JAVA_TOOL_OPTIONS).toBe('-Xmx512m');
      } finally {
        await dynamo.stop();
      }
    } finally {
      if (before === undefined) delete process.env.JAVA_TOOL_OPTIONS;
      else process.env.JAVA_TOOL_OPTIONS = before;
    }
  }, 200_000);
});
