/**
 * E2E task: writes the S3_KEY it received, byte for byte, to results/<jobId>.key in the same bucket,
 * and its pid to pids/<jobId>; sleeps WORK_MS first; exits EXIT_CODE (default 0).
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const bucket = process.env.S3_BUCKET ?? '';
const jobId = process.env.STEVEDORE_JOB_ID ?? '';
const s3 = new S3Client({});
const put = (key: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

await put(`pids/${jobId}/${process.env.STEVEDORE_ATTEMPT}`, String(process.pid));
const started = Date.now();
await new Promise((resolve) => setTimeout(resolve, Number(process.env.WORK_MS ?? '0')));
await put(`results/${jobId}.key`, process.env.S3_KEY ?? '');
await put(`spans/${jobId}/${process.env.STEVEDORE_ATTEMPT}`, JSON.stringify({ started, ended: Date.now() }));
console.log(`processed ${process.env.S3_KEY}`);
process.exit(Number(process.env.EXIT_CODE ?? '0'));
