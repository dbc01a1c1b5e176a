import { LocalRuntimeError } from '../errors';
import type { S3Object, S3Store } from './fauxqs-parts';
import { SequencerClock } from './object-created-event';
import { ObjectFiles } from './object-files';

/*
 * fauxqs' S3 route handlers call their store synchronously (putObject from PutObject and CopyObject,
 * completeMultipartUpload from CompleteMultipartUpload) and answer the client only when the call
 * returns. Extending the store is therefore the one place that sees every object exactly when it
 * is stored: each override lets fauxqs store it, writes it to disk, then reports it, all before the
 * client hears back. Loading at start goes through the base class, so it neither rewrites files nor
 * reports anything. Multipart uploads still in progress are kept in memory only, like queues.
 */

/** Which store call stored an object; the HTTP request tells PutObject from CopyObject. */
export type StoreOperation = 'put' | 'complete-multipart';

/** An object that has just been stored (and persisted, when there is a data directory). */
export interface StoredObjectEvent {
  bucket: string;
  object: S3Object;
  sequencer: string;
  operation: StoreOperation;
}

export interface PersistentS3StoreOptions {
  /** Objects persist under it; in memory only when omitted. */
  dataDir?: string;
  /** Called synchronously once an object is stored, before the client gets its answer. */
  onStored: (stored: StoredObjectEvent) => void;
  /** Milliseconds since the epoch; feeds the sequencers. */
  now?: () => number;
}

/** fauxqs' S3 store, extended to persist objects under `dataDir` (reloading them) and report each one stored. */
export function createPersistentS3Store(Base: new () => S3Store, options: PersistentS3StoreOptions): S3Store {
  const files = options.dataDir === undefined ? undefined : new ObjectFiles(options.dataDir);
  const now = options.now ?? Date.now;
  const sequencers = new SequencerClock();

  class PersistentS3Store extends Base {
    // fauxqs' S3Object does not carry its bucket, and CompleteMultipartUpload names only the upload.
    private readonly uploadBuckets = new Map<string, string>();

    override createBucket(name: string): void {
      super.createBucket(name);
      files?.addBucket(name);
    }

    override deleteBucket(name: string): void {
      super.deleteBucket(name);
      files?.removeBucket(name);
    }

    override putObject(
      bucket: string,
      key: string,
      body: Buffer,
      contentType?: string,
      metadata?: Record<string, string>,
    ): S3Object {
      return this.stored(bucket, super.putObject(bucket, key, body, contentType, metadata), 'put');
    }

    override createMultipartUpload(
      bucket: string,
      key: string,
      contentType?: string,
      metadata?: Record<string, string>,
    ): string {
      const uploadId = super.createMultipartUpload(bucket, key, contentType, metadata);
      this.uploadBuckets.set(uploadId, bucket);
      return uploadId;
    }

    override completeMultipartUpload(
      uploadId: string,
      parts: { partNumber: number; etag: string }[],
    ): S3Object {
      const object = super.completeMultipartUpload(uploadId, parts);
      const bucket = this.uploadBuckets.get(uploadId);
      this.uploadBuckets.delete(uploadId);
      // Every upload id came from createMultipartUpload above, so the bucket is known.
      if (bucket === undefined) {
        throw new LocalRuntimeError(`multipart upload ${uploadId} has no recorded bucket`);
      }
      return this.stored(bucket, object, 'complete-multipart');
    }

    override abortMultipartUpload(uploadId: string): void {
      super.abortMultipartUpload(uploadId);
      this.uploadBuckets.delete(uploadId);
    }

    override deleteObject(bucket: string, key: string): void {
      // deleteObjects (DeleteObjects) calls this once per key, so both paths remove the file.
      super.deleteObject(bucket, key);
      files?.remove(bucket, key);
    }

    /** Loads what `files` holds, without writing or reporting anything. */
    restore(): void {
      for (const { bucket, objects } of files?.readAll() ?? []) {
        super.createBucket(bucket);
        for (const saved of objects) {
          // putObject returns the very object it keeps, so the saved etag (multipart ones are not
          // an MD5 of the body) and last-modified time are set on the stored object itself.
          const object = super.putObject(bucket, saved.key, saved.body, saved.contentType, saved.metadata);
          object.etag = saved.etag;
          object.lastModified = saved.lastModified;
          sequencers.observe(saved.sequencer);
        }
      }
    }

    private stored(bucket: string, object: S3Object, operation: StoreOperation): S3Object {
      const sequencer = sequencers.next(now());
      files?.write(bucket, { ...object, sequencer });
      options.onStored({ bucket, object, sequencer, operation });
      return object;
    }
  }

  const store = new PersistentS3Store();
  store.restore();
  return store;
}
