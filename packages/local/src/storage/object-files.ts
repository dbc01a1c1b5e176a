import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { LocalRuntimeError } from '../errors';

/*
 * S3 objects on disk, one file each: <dir>/<base64url(bucket)>/<sha256(key)>.object.
 * A file is one JSON line (the exact key, content type, metadata, etag, last-modified, sequencer)
 * followed by the body bytes. JSON never contains a raw newline, so the first '\n' ends the header.
 * The key is hashed, not encoded, because S3 keys reach 1024 bytes and file names stop at 255; the
 * key itself is kept verbatim in the header, so it round-trips exactly. Bucket names are encoded
 * because fauxqs accepts any name in CreateBucket, `..` included.
 * Each write goes to a temporary name and is renamed over the old file, so a crash leaves either the
 * old object or the new one, never half of each.
 */

/** An object as persisted. */
export interface StoredObject {
  key: string;
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  /** Quoted, as S3 and fauxqs keep it. */
  etag: string;
  lastModified: Date;
  sequencer: string;
}

const HeaderSchema = v.strictObject({
  key: v.string(),
  contentType: v.string(),
  metadata: v.record(v.string(), v.string()),
  etag: v.string(),
  lastModified: v.pipe(v.string(), v.isoTimestamp()),
  sequencer: v.pipe(v.string(), v.regex(/^[0-9a-f]{1,32}$/)),
});

const OBJECT_SUFFIX = '.object';
const TEMP_SUFFIX = '.tmp';
const NEWLINE = 0x0a;

/** Reads and writes the objects of every bucket under one directory. */
export class ObjectFiles {
  private writes = 0;

  constructor(readonly dir: string) {
    this.attempt('create the data directory', () => mkdirSync(dir, { recursive: true }));
  }

  /** Makes sure `bucket` exists on disk, so an empty bucket survives a restart too. */
  addBucket(bucket: string): void {
    this.attempt(`create bucket ${bucket}`, () => mkdirSync(this.bucketDir(bucket), { recursive: true }));
  }

  removeBucket(bucket: string): void {
    this.attempt(`remove bucket ${bucket}`, () =>
      rmSync(this.bucketDir(bucket), { recursive: true, force: true }),
    );
  }

  /** Writes `object` durably enough for a dev loop: a complete file or none. */
  write(bucket: string, object: StoredObject): void {
    const path = this.objectPath(bucket, object.key);
    const temp = `${path}.${process.pid}.${++this.writes}${TEMP_SUFFIX}`;
    const header = JSON.stringify({
      key: object.key,
      contentType: object.contentType,
      metadata: object.metadata,
      etag: object.etag,
      lastModified: object.lastModified.toISOString(),
      sequencer: object.sequencer,
    } satisfies v.InferInput<typeof HeaderSchema>);
    this.attempt(`persist s3://${bucket}/${object.key}`, () => {
      mkdirSync(this.bucketDir(bucket), { recursive: true });
      writeFileSync(temp, Buffer.concat([Buffer.from(`${header}\n`), object.body]));
      renameSync(temp, path);
    });
  }

  remove(bucket: string, key: string): void {
    this.attempt(`remove s3://${bucket}/${key}`, () => rmSync(this.objectPath(bucket, key), { force: true }));
  }

  /** Every persisted bucket with its objects; leftovers of interrupted writes are deleted. */
  readAll(): { bucket: string; objects: StoredObject[] }[] {
    const buckets: { bucket: string; objects: StoredObject[] }[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      const bucket = entry.isDirectory() ? decodeName(entry.name) : undefined;
      if (bucket === undefined) continue; // not ours: the directory may hold other things
      const objects: StoredObject[] = [];
      const bucketDir = join(this.dir, entry.name);
      for (const name of readdirSync(bucketDir)) {
        if (name.endsWith(TEMP_SUFFIX)) rmSync(join(bucketDir, name), { force: true });
        else if (name.endsWith(OBJECT_SUFFIX)) objects.push(readObject(join(bucketDir, name)));
      }
      buckets.push({ bucket, objects });
    }
    return buckets;
  }

  private bucketDir(bucket: string): string {
    return join(this.dir, Buffer.from(bucket).toString('base64url'));
  }

  private objectPath(bucket: string, key: string): string {
    const digest = createHash('sha256').update(key).digest('hex');
    return join(this.bucketDir(bucket), `${digest}${OBJECT_SUFFIX}`);
  }

  private attempt(what: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      throw new LocalRuntimeError(`cannot ${what} under ${this.dir}`, { cause: error });
    }
  }
}

function readObject(path: string): StoredObject {
  const bytes = readFileSync(path);
  const end = bytes.indexOf(NEWLINE);
  let header: v.InferOutput<typeof HeaderSchema>;
  try {
    if (end < 0) throw new Error('no header line');
    header = v.parse(HeaderSchema, JSON.parse(bytes.subarray(0, end).toString('utf8')));
  } catch (error) {
    throw new LocalRuntimeError(`${path} is not a stored S3 object; move it away and restart`, {
      cause: error,
    });
  }
  return { ...header, lastModified: new Date(header.lastModified), body: bytes.subarray(end + 1) };
}

/** The bucket name a directory stands for, or undefined when the name is not one this module wrote. */
function decodeName(name: string): string | undefined {
  const decoded = Buffer.from(name, 'base64url').toString('utf8');
  return decoded !== '' && Buffer.from(decoded).toString('base64url') === name ? decoded : undefined;
}
