import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  NoSuchBucket,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ListedObject, ObjectLister } from '@stevedore/core/ports';
import { StevedoreAwsError } from '../errors';

/*
 * A bucket's objects, for backfill: ListObjectsV2 under a prefix, one page (up to 1,000 keys) a call,
 * in S3's order. Kept out of the composition root's module so that a function bundle that never lists
 * (every Lambda) does not carry the S3 client.
 */

/** Listing failed: a missing bucket, no permission, or S3 itself. */
export class ObjectListingError extends StevedoreAwsError {
  override name = 'ObjectListingError';
  readonly bucket: string;

  constructor(bucket: string, reason: string, options?: ErrorOptions) {
    super(`cannot list s3://${bucket}: ${reason}`, options);
    this.bucket = bucket;
  }
}

export interface S3ObjectListerOptions {
  /** Created from the environment when omitted (honours AWS_ENDPOINT_URL_S3). */
  client?: S3Client;
  /** Keys per ListObjectsV2 call (S3's default and most: 1,000). */
  pageSize?: number;
}

/** ListObjectsV2, page by page; etags without S3's quotes, as its events carry them. */
export class S3ObjectLister implements ObjectLister {
  private readonly client: S3Client;
  private readonly pageSize: number | undefined;

  constructor(options: S3ObjectListerOptions = {}) {
    this.client = options.client ?? new S3Client({});
    this.pageSize = options.pageSize;
  }

  async listObjects(
    bucket: string,
    prefix: string,
    cursor?: string,
  ): Promise<{ objects: ListedObject[]; cursor?: string }> {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(cursor ? { ContinuationToken: cursor } : {}),
          ...(this.pageSize ? { MaxKeys: this.pageSize } : {}),
        }),
      );
    } catch (error) {
      const reason =
        error instanceof NoSuchBucket || (error as { name?: string }).name === 'NoSuchBucket'
          ? 'no such bucket'
          : `${(error as Error).name}: ${(error as Error).message}`;
      throw new ObjectListingError(bucket, reason, { cause: error });
    }
    const objects = (page.Contents ?? []).flatMap((object) =>
      object.Key === undefined
        ? []
        : [
            {
              key: object.Key,
              size: object.Size ?? 0,
              etag: (object.ETag ?? '').replaceAll('"', ''),
              ...(object.LastModified ? { lastModified: object.LastModified.toISOString() } : {}),
            },
          ],
    );
    const next = page.IsTruncated ? page.NextContinuationToken : undefined;
    return next ? { objects, cursor: next } : { objects };
  }
}
