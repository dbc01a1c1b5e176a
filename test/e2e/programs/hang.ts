/** E2E task that never finishes on its own: records its pid, then waits forever (SIGTERM ends it). */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const s3 = new S3Client({});
await s3.send(
  new PutObjectCommand({
    Bucket: process.env.S3_BUCKET ?? '',
    Key: `pids/${process.env.STEVEDORE_JOB_ID}/${process.env.STEVEDORE_ATTEMPT}`,
    Body: String(process.pid),
  }),
);
console.log('hanging until stopped');
setInterval(() => {}, 1 << 30);
