import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import {
  assertByteRange,
  assertObjectKey,
  ObjectRangeError,
  ObjectStorage,
  type ByteRange,
  type StoredObject,
} from './object-storage.js';
import type { S3StorageOptions } from '../config/storage-config.js';

/** An S3 error answer, without credentials or the request's signature. */
export class S3StorageError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly s3Code: string | null,
  ) {
    super(`S3 ${operation} failed: HTTP ${status}${s3Code ? ` ${s3Code}` : ''}`);
    this.name = 'S3StorageError';
  }
}

/** Write-once options of `putObject` (S3 Object Lock, conditional create). */
export interface ImmutablePut {
  /** Refuse the write when an object already exists under the key (`If-None-Match: *`, 412). */
  ifNoneMatch: true;
  /** Object Lock in compliance mode until this instant (the bucket must have Object Lock enabled). */
  retainUntil: Date;
}

/**
 * Objects in a bucket of any S3-compatible service, through the AWS SDK (`@aws-sdk/client-s3`:
 * SigV4, retries, checksums). Custom endpoints and path-style addressing serve MinIO and other
 * S3-compatible providers. Single-request PUT (objects here are a few MiB at most).
 */
export class S3ObjectStorage extends ObjectStorage {
  readonly driver = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly options: S3StorageOptions) {
    super();
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: {
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
      },
      requestHandler: { requestTimeout: options.timeoutMs ?? 30_000 },
    });
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    await this.putObject(key, bytes, contentType);
  }

  /**
   * A PUT, optionally write-once (see ImmutablePut): an existing object under the key is then
   * refused with S3StorageError status 412 (`PreconditionFailed`); the object is locked with a
   * SHA-256 checksum, which S3 requires of Object Lock writes.
   */
  async putObject(
    key: string,
    bytes: Buffer,
    contentType: string,
    immutable?: ImmutablePut,
  ): Promise<void> {
    assertObjectKey(key);
    const input: PutObjectCommandInput = {
      Bucket: this.options.bucket,
      Key: key,
      Body: bytes,
      ContentType: contentType,
      ContentLength: bytes.length,
    };
    if (immutable) {
      input.IfNoneMatch = '*';
      input.ObjectLockMode = 'COMPLIANCE';
      input.ObjectLockRetainUntilDate = immutable.retainUntil;
      input.ChecksumAlgorithm = 'SHA256';
    }
    await this.call('PUT', () => this.client.send(new PutObjectCommand(input)));
  }

  /** A ranged read is a GET with `Range: bytes=start-end`, answered 206 (or 416). */
  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    assertObjectKey(key);
    if (range) assertByteRange(range);
    let res;
    try {
      res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
    } catch (err) {
      if (statusOf(err) === 404) return null;
      if (range && statusOf(err) === 416)
        throw new ObjectRangeError(await this.sizeAfter416(key, err));
      throw asStorageError('GET', err);
    }
    const body = res.Body as Readable | undefined;
    if (!body) throw new S3StorageError('GET', res.$metadata.httpStatusCode ?? 0, 'NoBody');
    let served: StoredObject['range'];
    if (range) {
      // A service that ignored the Range header (200) would send the wrong bytes.
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.ContentRange ?? '');
      if (res.$metadata.httpStatusCode !== 206 || !m || Number(m[1]) !== range.start) {
        body.destroy();
        throw new S3StorageError('GET', res.$metadata.httpStatusCode ?? 0, 'RangeNotHonoured');
      }
      served = { start: range.start, end: Number(m[2]), size: Number(m[3]) };
    }
    return {
      body,
      contentType: res.ContentType ?? 'application/octet-stream',
      contentLength: res.ContentLength ?? null,
      ...(served ? { range: served } : {}),
    };
  }

  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
    } catch (err) {
      if (statusOf(err) !== 404) throw asStorageError('DELETE', err);
    }
  }

  /** The first key under `prefix` in the bucket's (UTF-8 binary) key order, or null when none. */
  async firstKey(prefix: string): Promise<string | null> {
    const res = await this.call('LIST', () =>
      this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, MaxKeys: 1 }),
      ),
    );
    return res.Contents?.[0]?.Key ?? null;
  }

  /** Closes the SDK's connections (Nest calls it when the application closes). */
  destroy(): void {
    this.client.destroy();
  }

  onModuleDestroy(): void {
    this.destroy();
  }

  /** The object's size after a 416: S3 names it (`ActualObjectSize`); otherwise a HEAD asks. */
  private async sizeAfter416(key: string, err: unknown): Promise<number | null> {
    const named = (err as { ActualObjectSize?: unknown }).ActualObjectSize;
    if (named !== undefined && /^\d+$/.test(String(named))) return Number(named);
    const head = await this.client
      .send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }))
      .catch(() => null);
    return head?.ContentLength ?? null;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw asStorageError(operation, err);
    }
  }
}

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

/** An SDK service error as S3StorageError (status and S3 code only); anything else as it is. */
function asStorageError(operation: string, err: unknown): unknown {
  if (!(err instanceof S3ServiceException)) return err;
  const code = /^[A-Za-z0-9.]{1,64}$/.test(err.name) ? err.name : null;
  return new S3StorageError(operation, err.$metadata.httpStatusCode ?? 0, code);
}
