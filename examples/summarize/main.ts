/**
 * Example task: summarizes a CSV or JSON object and writes the summary next to it.
 * It receives the object through the environment (S3_BUCKET, S3_KEY...) and reads it with the S3 SDK,
 * which finds the local endpoint through AWS_ENDPOINT_URL_S3 under `stevedore dev` and S3 itself on AWS.
 * Exit codes: 0 done, 2 the input cannot be summarized (the pipeline's rules do not retry that), 1 anything else.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { summarize } from './summary';

const bucket = process.env.S3_BUCKET ?? '';
const key = process.env.S3_KEY ?? '';
const outputPrefix = process.env.OUTPUT_PREFIX ?? 'summaries/';
const inputPrefix = process.env.INPUT_PREFIX ?? '';

process.on('SIGTERM', () => {
  console.log(`stopping: SIGTERM while summarizing s3://${bucket}/${key}`);
  process.exit(143);
});

async function main(): Promise<number> {
  if (!bucket || !key) {
    console.error('S3_BUCKET and S3_KEY are required');
    return 2;
  }
  const format = key.endsWith('.csv') ? 'csv' : key.endsWith('.json') ? 'json' : undefined;
  if (!format) {
    console.error(`cannot summarize s3://${bucket}/${key}: only .csv and .json objects are supported`);
    return 2;
  }
  const s3 = new S3Client({});
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await object.Body?.transformToString('utf8')) ?? '';
  let summary: ReturnType<typeof summarize>;
  try {
    summary = summarize(format, text);
  } catch (error) {
    console.error(`cannot summarize s3://${bucket}/${key}: ${(error as Error).message}`);
    return 2;
  }
  const relative = inputPrefix && key.startsWith(inputPrefix) ? key.slice(inputPrefix.length) : key;
  const outputKey = `${outputPrefix}${relative}.summary.json`;
  const result = {
    source: { bucket, key, etag: process.env.S3_ETAG, size: Number(process.env.S3_SIZE) },
    job: process.env.STEVEDORE_JOB_ID,
    ...summary,
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: outputKey,
      Body: JSON.stringify(result, null, 2),
      ContentType: 'application/json',
    }),
  );
  console.log(
    `summarized s3://${bucket}/${key}: ${summary.records} records, ${summary.columns.length} columns -> s3://${bucket}/${outputKey}`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `failed on s3://${bucket}/${key}: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  },
);
