import { deadLettersText, deadLetterWarnings, iamReport, redriveLine } from '@stevedore/cli/format';
import { parseConfig } from '@stevedore/core/config';
import { deployPlan } from '@stevedore/deploy';
import { describe, expect, it } from 'vitest';
import exampleConfig from '../../../stevedore.config';

const NOW = new Date('2026-12-02T12:00:00Z');
const letter = {
  id: 'b4c1e2f0-0000-4000-8000-000000000001',
  bodyPreview: '{"ms":10}',
  bodyLength: 9,
  receiveCount: 7,
  sentAt: '2026-12-01T10:00:00.000Z',
  firstReceivedAt: '2026-12-01T10:00:01.000Z',
};

describe('stevedore workers: dead-letter queues', () => {
  it('warns about each dead-letter queue that holds messages, with the commands to look and retry', () => {
    expect(
      deadLetterWarnings([
        { name: 'jobs', deadLetterQueue: 'stevedore-work-dlq', deadLetters: 10 },
        { name: 'quiet', deadLetterQueue: 'quiet-dlq', deadLetters: 0 },
        { name: 'one', deadLetterQueue: 'one-dlq', deadLetters: 1 },
      ]),
    ).toEqual([
      'warning: 10 messages in stevedore-work-dlq, the dead-letter queue of worker jobs: `stevedore workers dead-letters jobs` to look, `stevedore workers redrive jobs` to retry them',
      'warning: 1 message in one-dlq, the dead-letter queue of worker one: `stevedore workers dead-letters one` to look, `stevedore workers redrive one` to retry them',
    ]);
  });

  it('lists dead letters with id, receives, sent and first received times and a body preview', () => {
    const long = { ...letter, id: 'm2', bodyPreview: 'x'.repeat(120), bodyLength: 5000 };
    const lines = deadLettersText('stevedore-work-dlq', [letter, long], NOW).split('\n');

    expect(lines[0]).toMatch(/^MESSAGE\s+RECEIVES\s+SENT \(\S+\)\s+FIRST RECEIVED \(\S+\)\s+BODY$/);
    expect(lines[1]).toContain(letter.id);
    expect(lines[1]).toMatch(/\s7\s/);
    expect(lines[1]).toContain('2026-12-01');
    expect(lines[1]?.endsWith('{"ms":10}')).toBe(true);
    // A long body is cut, and says how much is left out.
    expect(lines[2]).toContain('…');
    expect(lines[2]?.length).toBeLessThan(200);
  });

  it('says so when the dead-letter queue is empty', () => {
    expect(deadLettersText('stevedore-work-dlq', [], NOW)).toBe('stevedore-work-dlq is empty');
  });

  it('prints redrive progress, and how it ended', () => {
    const task = { moved: 3, toMove: 10, startedAt: undefined, failureReason: undefined };
    expect(redriveLine('w-dlq', 'w', { ...task, status: 'RUNNING' })).toBe(
      'redriving: 3 of 10 messages moved from w-dlq to w',
    );
    expect(redriveLine('w-dlq', 'w', { ...task, moved: 10, status: 'COMPLETED' })).toBe(
      'redriven: 10 of 10 messages moved from w-dlq to w',
    );
    expect(redriveLine('w-dlq', 'w', { ...task, moved: 1, toMove: 1, status: 'COMPLETED' })).toBe(
      'redriven: 1 of 1 message moved from w-dlq to w',
    );
    expect(redriveLine('w-dlq', 'w', { ...task, status: 'FAILED', failureReason: 'gone' })).toBe(
      'failed: 3 of 10 messages moved from w-dlq to w: gone',
    );
  });
});

describe('stevedore iam: the operator policy', () => {
  it('prints what an operator needs to list and redrive dead letters, only when there are workers', () => {
    const scope = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
    const withWorkers = iamReport(deployPlan(parseConfig(exampleConfig), 'prod', scope));
    expect(withWorkers.operator?.policy.Statement.flatMap((s) => s.Action)).toEqual(
      expect.arrayContaining(['sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks', 'sqs:ReceiveMessage']),
    );
    expect(
      iamReport(deployPlan(parseConfig({ ...exampleConfig, workers: {} }), 'prod', scope)).operator,
    ).toBeNull();
  });
});
