/** E2E task: succeeds once the object markers/ok exists in its bucket, fails (exit 1) before that. */
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';

const s3 = new S3Client({});
const marked = await s3
  .send(new HeadObjectCommand({ Bucket: process.env.S3_BUCKET ?? '', Key: 'markers/ok' }))
  .then(
    () => true,
    () => false,
  );
console.log(marked ? 'marker found' : 'no marker yet');
process.exit(marked ? 0 : 1);
