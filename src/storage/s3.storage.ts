import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  assertByteRange,
  assertObjectKey,
  ObjectRangeError,
  ObjectStorage,
  type ByteRange,
  type StoredObject,
} from './object-storage.js';
import { EMPTY_PAYLOAD_SHA256, sha256Hex, signRequest, uriEncode } from './sigv4.js';

export interface S3StorageOptions {
  /** Base URL of the service, e.g. `https://s3.ap-south-1.amazonaws.com` or `http://127.0.0.1:9000`. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint host>/<key>` (MinIO, most self-hosted services). */
  forcePathStyle: boolean;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

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

/**
 * Objects in a bucket of any S3-compatible service, over fetch with requests signed by SigV4
 * (sigv4.ts). Single-request PUT (objects here are a few MiB at most) with the payload's SHA-256
 * signed, so the service rejects a body altered in transit.
 */
export class S3ObjectStorage extends ObjectStorage {
  readonly driver = 's3' as const;
  private readonly endpoint: URL;

  constructor(private readonly options: S3StorageOptions) {
    super();
    this.endpoint = new URL(options.endpoint);
  }

  /** The object's URL: path style or virtual-hosted style, each key segment URI-encoded. */
  urlOf(key: string): URL {
    assertObjectKey(key);
    const { protocol, host, pathname } = this.endpoint;
    const base = pathname.replace(/\/+$/, '');
    const path = key.split('/').map(uriEncode).join('/');
    return this.options.forcePathStyle
      ? new URL(`${protocol}//${host}${base}/${uriEncode(this.options.bucket)}/${path}`)
      : new URL(`${protocol}//${this.options.bucket}.${host}${base}/${path}`);
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const res = await this.send('PUT', key, { 'content-type': contentType }, bytes);
    if (!res.ok) throw new S3StorageError('PUT', res.status, await codeOf(res));
    await res.arrayBuffer();
  }

  /** A ranged read is a GET with a signed `Range: bytes=start-end` header, answered 206 (or 416). */
  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    if (range) assertByteRange(range);
    const res = await this.send(
      'GET',
      key,
      range ? { range: `bytes=${range.start}-${range.end}` } : {},
    );
    if (res.status === 404) {
      await res.arrayBuffer();
      return null;
    }
    if (range && res.status === 416) {
      await res.arrayBuffer();
      const size = /^bytes \*\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1];
      throw new ObjectRangeError(size === undefined ? null : Number(size));
    }
    if (!res.ok || !res.body) throw new S3StorageError('GET', res.status, await codeOf(res));
    let served: StoredObject['range'];
    if (range) {
      // A service that ignored the Range header (200) would send the wrong bytes.
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      if (res.status !== 206 || !m || Number(m[1]) !== range.start) {
        await res.body.cancel();
        throw new S3StorageError('GET', res.status, 'RangeNotHonoured');
      }
      served = { start: range.start, end: Number(m[2]), size: Number(m[3]) };
    }
    const length = res.headers.get('content-length');
    return {
      body: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      contentType: res.headers.get('content-type') ?? 'application/octet-stream',
      contentLength: length === null ? null : Number(length),
      ...(served ? { range: served } : {}),
    };
  }

  async delete(key: string): Promise<void> {
    const res = await this.send('DELETE', key, {});
    if (!res.ok && res.status !== 404)
      throw new S3StorageError('DELETE', res.status, await codeOf(res));
    await res.arrayBuffer();
  }

  private send(
    method: 'GET' | 'PUT' | 'DELETE',
    key: string,
    headers: Record<string, string>,
    body?: Buffer,
  ): Promise<Response> {
    const url = this.urlOf(key);
    const signed = signRequest({
      method,
      url,
      headers,
      payloadHash: body ? sha256Hex(body) : EMPTY_PAYLOAD_SHA256,
      region: this.options.region,
      service: 's3',
      credentials: {
        accessKeyId: this.options.accessKeyId,
        secretAccessKey: this.options.secretAccessKey,
      },
      now: new Date(),
    });
    return fetch(url, {
      method,
      headers: signed,
      body: body ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : undefined,
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
  }
}

/** The `<Code>` of an S3 XML error body, if any. */
async function codeOf(res: Response): Promise<string | null> {
  const text = await res.text().catch(() => '');
  return /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(text)?.[1] ?? null;
}
