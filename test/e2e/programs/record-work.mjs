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

// As a container should: on SIGTERM, work done is reported done (exit 0), work not done is abandoned
// (143, so the job retries). Without a handler, a SIGTERM that lands after the `done` line, while the
// process is exiting, would end it as killed (143) and its finished work would be done again.
let finished = false;
process.on('SIGTERM', () => process.exit(finished ? 0 : 143));

line('started');
setTimeout(
  () => {
    line('done');
    finished = true;
    process.exit(0);
  },
  Number(process.env.WORK_MS ?? '0'),
);
