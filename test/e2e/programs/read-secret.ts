/**
 * E2E task that needs secrets: proves it read DB_PASSWORD and API_KEY by writing only a digest of
 * them to results/<jobId>.digest in its bucket, and prints that it did, never the values.
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const { DB_PASSWORD, API_KEY, S3_BUCKET, STEVEDORE_JOB_ID } = process.env;
if (DB_PASSWORD === undefined || API_KEY === undefined) {
  console.log('a secret is missing from the environment');
  process.exit(2);
}
const digest = createHash('sha256').update(`${DB_PASSWORD}|${API_KEY}`).digest('hex');
await new S3Client({}).send(
  new PutObjectCommand({ Bucket: S3_BUCKET, Key: `results/${STEVEDORE_JOB_ID}.digest`, Body: digest }),
);
console.log('read 2 secrets');
