/** E2E task: logs a few lines over about a second, fails its first attempt (exit 3) and succeeds on the next. */
const attempt = Number(process.env.STEVEDORE_ATTEMPT ?? '1');
console.log(`processing ${process.env.S3_KEY ?? '(no key)'} (attempt ${attempt})`);
for (let step = 1; step <= 4; step++) {
  await new Promise((resolve) => setTimeout(resolve, 250));
  console.log(`step ${step} of 4`);
}
if (attempt < 2) {
  console.error('transient failure: exit 3');
  process.exit(3);
}
console.log('done');

// A module (top-level await, its own scope).
export {};
