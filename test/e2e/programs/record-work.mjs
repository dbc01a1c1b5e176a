/**
 * E2E task for the crash tests: appends `started <key> <attempt> <pid>` to $WORK_LOG, works WORK_MS,
 * then appends `done <key> <attempt> <pid>`. The log lives outside the runtime's state dir, so it
 * tells what ran however the runtime ended. Plain JavaScript: it starts fast, many at once.
 */
import { appendFileSync } from 'node:fs';

const line = (what) =>
  appendFileSync(
    process.env.WORK_LOG ?? 'work.log',
    `${what} ${process.env.S3_KEY} ${process.env.STEVEDORE_ATTEMPT} ${process.pid}\n`,
  );

line('started');
setTimeout(
  () => {
    line('done');
    process.exit(0);
  },
  Number(process.env.WORK_MS ?? '0'),
);
