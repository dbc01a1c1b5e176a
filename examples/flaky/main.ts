/**
 * Example task that fails the way a flaky dependency does: it exits 75 (EX_TEMPFAIL, "try again
 * later") on its first attempts and succeeds on attempt FLAKY_SUCCEEDS_ON (default 3). The pipeline's
 * retry rule retries exit code 75, so a job shows SUBMITTED -> RUNNING -> SUBMITTED (attempt 2) ... SUCCEEDED.
 */
const attempt = Number(process.env.STEVEDORE_ATTEMPT ?? '1');
const succeedsOn = Number(process.env.FLAKY_SUCCEEDS_ON ?? '3');
const key = process.env.S3_KEY ?? '(no key)';

setTimeout(() => {
  if (attempt < succeedsOn) {
    console.error(`attempt ${attempt} on ${key}: upstream unavailable, exiting 75 so Stevedore retries`);
    process.exit(75);
  }
  console.log(`attempt ${attempt} on ${key}: done`);
  process.exit(0);
}, 300);
