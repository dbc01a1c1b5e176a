import { deadLetterQueueName, fitName, resourceNames } from '@stevedore/core/config';
import { describe, expect, it } from 'vitest';

/* Names AWS limits: a long app name and stage must still deploy, and never two resources on one name. */

const LONGEST_APP = 'a'.repeat(40);
const LONGEST_STAGE = `s${'x'.repeat(19)}`;

describe('resource names within AWS limits', () => {
  it('keeps short names as they are', () => {
    const names = resourceNames('photos', 'dev');
    expect(names.functionName('task-state-change')).toBe('photos-dev-task-state-change');
    expect(names.queue('work')).toBe('photos-dev-work');
  });

  it('fits Lambda function names in 64 characters, each still its own', () => {
    const names = resourceNames(LONGEST_APP, LONGEST_STAGE);
    const functions = ['object-created', 'task-state-change', 'schedule-fired', 'queue-alarm', 'scale-tick'];
    const fitted = functions.map((handler) => names.functionName(handler));
    for (const name of fitted) expect(name.length).toBeLessThanOrEqual(64);
    expect(new Set(fitted).size).toBe(functions.length);
    expect(fitted[0]?.startsWith(`${LONGEST_APP}-${LONGEST_STAGE.slice(0, 10)}`)).toBe(true);
  });

  it('fits queue names and their dead-letter queues in 80 characters', () => {
    const names = resourceNames(LONGEST_APP, LONGEST_STAGE);
    const queue = names.queue(`q${'w'.repeat(39)}`);
    expect(queue.length).toBeLessThanOrEqual(80);
    expect(deadLetterQueueName(queue).length).toBeLessThanOrEqual(80);
    expect(deadLetterQueueName(queue)).toMatch(/-dlq$/);
  });

  it('gives two long names that share their start two different names', () => {
    const start = 'x'.repeat(70);
    expect(fitName(`${start}-one`, 64)).not.toBe(fitName(`${start}-two`, 64));
    expect(fitName(`${start}-one`, 64)).toHaveLength(64);
  });
});
