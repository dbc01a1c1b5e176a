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
