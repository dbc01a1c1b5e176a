/**
 * bench:burst's uploaders, in a process of their own. On AWS the objects come from other machines;
 * run on the local runtime's main thread, 32 uploaders took its CPU from the handlers and capped the
 * arrivals themselves. Forked by burst.ts with the S3 stand-in's endpoint and the object count; sends
 * back each object's arrival (its upload acknowledged) and the CPU this process used, then exits.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** What burst.ts sends to start the uploads. */
export interface UploadOrder {
  endpoint: string;
  region: string;
  bucket: string;
  objects: number;
  concurrency: number;
}

/** What this process sends back once every object is uploaded. */
export interface UploadReport {
  /** [key, epoch ms of the acknowledgement] for every object. */
  arrivals: Array<[key: string, at: number]>;
  /** CPU seconds this process used, from its start (loading the SDK included). */
  cpuSeconds: number;
}

async function upload(order: UploadOrder): Promise<UploadReport> {
  const s3 = new S3Client({
    endpoint: order.endpoint,
    region: order.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  // The stand-in journals an object's event and hands it to the bus before it acknowledges the
  // upload: an acknowledgement is the event's arrival.
  const arrivals: Array<[string, number]> = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: order.concurrency }, async () => {
        while (next < order.objects) {
          const key = `in/object-${next++}.bin`;
          await s3.send(new PutObjectCommand({ Bucket: order.bucket, Key: key, Body: 'x' }));
          arrivals.push([key, Date.now()]);
        }
      }),
    );
  } finally {
    s3.destroy();
  }
  const used = process.cpuUsage();
  return { arrivals, cpuSeconds: (used.user + used.system) / 1e6 };
}

process.once('message', (order: UploadOrder) => {
  upload(order).then(
    (report) => process.send?.(report, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
