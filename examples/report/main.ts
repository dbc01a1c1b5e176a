/**
 * Example scheduled task: a daily report of what the summaries pipeline produced. It lists the
 * summaries in the bucket, adds up their records, and writes reports/<date>.json for the day it was
 * scheduled for (STEVEDORE_SCHEDULED_TIME, so a late or repeated run writes the same report).
 * Exit codes: 0 done, 1 anything else (the schedule's retry policy decides what happens next).
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const bucket = process.env.REPORT_BUCKET ?? '';
const summariesPrefix = process.env.SUMMARIES_PREFIX ?? 'summaries/';
const reportsPrefix = process.env.REPORTS_PREFIX ?? 'reports/';
const scheduledTime = process.env.STEVEDORE_SCHEDULED_TIME ?? new Date().toISOString();

process.on('SIGTERM', () => {
  console.log(`stopping: SIGTERM while writing the report for ${scheduledTime}`);
  process.exit(143);
});

interface Summary {
  records?: number;
}

async function main(): Promise<number> {
  if (!bucket) {
    console.error('REPORT_BUCKET is required');
    return 1;
  }
  const s3 = new S3Client({});
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: summariesPrefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);

  let records = 0;
  for (const key of keys) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const summary = JSON.parse((await object.Body?.transformToString('utf8')) ?? '{}') as Summary;
    records += typeof summary.records === 'number' ? summary.records : 0;
  }
  const day = scheduledTime.slice(0, 10);
  const reportKey = `${reportsPrefix}${day}.json`;
  const report = {
    scheduledTime,
    schedule: process.env.STEVEDORE_SCHEDULE,
    job: process.env.STEVEDORE_JOB_ID,
    summaries: keys.length,
    records,
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: reportKey,
      Body: JSON.stringify(report, null, 2),
      ContentType: 'application/json',
    }),
  );
  console.log(
    `report for ${day}: ${keys.length} summaries, ${records} records -> s3://${bucket}/${reportKey}`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`report failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
