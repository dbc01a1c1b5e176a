import { stepLine } from '@stevedore/cli/format';
import { type StartStep, StartSteps } from '@stevedore/local';
import { describe, expect, it } from 'vitest';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a start made of named steps', () => {
  it('reports each step as it ends, in order, with how long it took, and returns what it started', async () => {
    const reports: StartStep[] = [];
    const steps = new StartSteps((step) => reports.push(step));

    const first = await steps.run('DynamoDB Local', async () => {
      await wait(30);
      return 'dynamo';
    });
    const second = await steps.run('tables', () => 42);

    expect([first, second]).toEqual(['dynamo', 42]);
    expect(reports.map(({ name, failed }) => ({ name, failed }))).toEqual([
      { name: 'DynamoDB Local', failed: false },
      { name: 'tables', failed: false },
    ]);
    expect(reports[0]?.ms).toBeGreaterThanOrEqual(25);
    expect(reports[1]?.ms).toBeLessThan(25);
  });

  it('names the step that failed and rethrows its own error; the cleanup runs newest first', async () => {
    const reports: StartStep[] = [];
    const undone: string[] = [];
    const steps = new StartSteps((step) => reports.push(step));
    await steps.run('DynamoDB Local', (onStop) => onStop(() => void undone.push('DynamoDB Local')));
    await steps.run('S3/SQS', (onStop) => onStop(async () => void undone.push('S3/SQS')));
    const portTaken = new Error('ECS cannot listen on 127.0.0.1:4567: the port is already in use');

    const started = steps.run('ECS', () => {
      throw portTaken;
    });

    await expect(started).rejects.toBe(portTaken);
    expect(reports.at(-1)).toMatchObject({ name: 'ECS', failed: true });
    await steps.stop();
    expect(undone).toEqual(['S3/SQS', 'DynamoDB Local']);
  });

  it('stops once however often it is asked, and a failing cleanup does not keep the others from running', async () => {
    const undone: string[] = [];
    const steps = new StartSteps();
    steps.onStop(() => void undone.push('clients'));
    await steps.run('ECS', (onStop) =>
      onStop(() => {
        throw new Error('a task would not stop');
      }),
    );
    await steps.run('handlers', (onStop) => onStop(() => void undone.push('handlers')));

    const [first, second] = await Promise.allSettled([steps.stop(), steps.stop()]);

    expect(undone).toEqual(['handlers', 'clients']);
    expect(first).toMatchObject({
      status: 'rejected',
      reason: { message: 'stopping the local runtime: a task would not stop' },
    });
    expect(second).toEqual(first);
  });
});

describe('stevedore dev: the start progress', () => {
  it('prints one aligned line per step, with its time in seconds, and says which one failed', () => {
    expect(stepLine({ name: 'DynamoDB Local', ms: 1875, failed: false })).toBe('  DynamoDB Local  1.9 s\n');
    expect(stepLine({ name: 'ECS', ms: 40, failed: false })).toBe('  ECS             0.0 s\n');
    expect(stepLine({ name: 'tables', ms: 12_400, failed: false })).toBe('  tables          12 s\n');
    expect(stepLine({ name: 'S3/SQS', ms: 12, failed: true })).toBe('  S3/SQS          failed after 0.0 s\n');
  });
});
