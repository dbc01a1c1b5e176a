import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import type { ObjectHead, ObjectHeads } from '@stevedore/control';
import { StevedoreAwsError } from '../errors';

/*
 * An object's current version, size and etag (HeadObject), for submitting a job by hand. Like the
 * lister, kept out of the composition root's module so no function bundle carries the S3 client.
 */

/** HeadObject failed for a reason other than a missing object (no permission, no bucket, S3 itself). */
export class ObjectHeadError extends StevedoreAwsError {
  override name = 'ObjectHeadError';
  readonly bucket: string;
  readonly key: string;

  constructor(bucket: string, key: string, reason: string, options?: ErrorOptions) {
    super(`cannot read s3://${bucket}/${key}: ${reason}`, options);
    this.bucket = bucket;
    this.key = key;
  }
}

/** HeadObject; a missing object (404) is undefined, other failures an ObjectHeadError. */
export class S3ObjectHeads implements ObjectHeads {
  private readonly client: S3Client;

  constructor(options: { client?: S3Client } = {}) {
    this.client = options.client ?? new S3Client({});
  }

  async headObject(bucket: string, key: string): Promise<ObjectHead | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        size: head.ContentLength ?? 0,
        ...(head.ETag ? { etag: head.ETag.replaceAll('"', '') } : {}),
        // Unversioned buckets answer "null" (or nothing): that is no version.
        ...(head.VersionId && head.VersionId !== 'null' ? { versionId: head.VersionId } : {}),
      };
    } catch (error) {
      const name = (error as { name?: string }).name;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (error instanceof NotFound || name === 'NotFound' || name === 'NoSuchKey') return undefined;
      if (name === 'NoSuchBucket' || (status === 404 && name !== 'NotFound')) {
        throw new ObjectHeadError(bucket, key, 'no such bucket', { cause: error });
      }
      throw new ObjectHeadError(bucket, key, `${name}: ${(error as Error).message}`, { cause: error });
    }
  }
}
