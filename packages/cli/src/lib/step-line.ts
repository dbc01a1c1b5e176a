import type { StartStep } from '@stevedore/local';
import { formatDuration } from './table';

/** One line of `stevedore dev`'s start progress: the step, and how long it took or that it failed. */
export function stepLine(step: StartStep): string {
  const took = formatDuration(step.ms);
  return `  ${step.name.padEnd(16)}${step.failed ? `failed after ${took}` : took}\n`;
}
