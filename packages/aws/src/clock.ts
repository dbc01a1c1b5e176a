import type { Clock } from '@stevedore/core/ports';

/** The system clock, for adapters and handlers (the core never reads it). */
export const systemClock: Clock = { now: () => new Date() };
