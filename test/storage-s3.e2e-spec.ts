/**
 * The S3 adapter against a tiny S3 stand-in (an in-process HTTP server keeping objects in memory)
 * that checks every request's SigV4 Authorization header — its form, the scope, the signature
 * recomputed from what actually arrived, and the signed body hash — and answers 403 like S3 when
 * they do not hold. Then the whole app on STORAGE_DRIVER=s3: upload, public fetch, delete.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { QUIET_ENV, signInAs } from './support/accounts.js';
import { TEST_IMAGES } from './support/test-images.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { ObjectRangeError } from '../src/storage/object-storage.js';
import { S3ObjectStorage, S3StorageError } from '../src/storage/s3.storage.js';
import {
  canonicalRequest,
  credentialScope,
  signingKey,
  stringToSign,
} from '../src/storage/sigv4.js';

const ACCESS_KEY = 'AKIAFIXBAZAARTEST01';
const SECRET = 'fixbazaar/test+secret/key0123456789abcdef';
const REGION = 'ap-south-1';
const BUCKET = 'fixbazaar-test';
const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/s3\/aws4_request,SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$/;

interface Seen {
  method: string;
  url: string;
  authorization: string;
  signedHeaders: string[];
}

/** An S3 stand-in: path-style `/<bucket>/<key>`, PUT / GET (single ranges too) / DELETE, SigV4 checked. */
class FakeS3 {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();
  readonly seen: Seen[] = [];
  /** Answer ranged GETs with the whole object (200), as a service without Range support would. */
  ignoreRange = false;
  private server!: Server;
  endpoint = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body, headers }) => {
        res.writeHead(status, headers);
        res.end(body);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; body?: Buffer | string; headers?: Record<string, string> }> {
    const body = await buffer(req);
    const error = (status: number, code: string) => ({
      status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>test</Message></Error>`,
    });
    const authorization = req.headers.authorization ?? '';
    const m = AUTH.exec(authorization);
    if (!m) return error(403, 'AuthorizationHeaderMalformed');
    const [, key, day, region, signed, signature] = m as unknown as string[];
    const signedHeaders = signed!.split(';');
    this.seen.push({ method: req.method!, url: req.url!, authorization, signedHeaders });
    if (key !== ACCESS_KEY) return error(403, 'InvalidAccessKeyId');
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const at = new Date(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    if (
      Number.isNaN(at.getTime()) ||
      Math.abs(Date.now() - at.getTime()) > 15 * 60_000 ||
      day !== amzDate.slice(0, 8) ||
      region !== REGION
    )
      return error(403, 'RequestTimeTooSkewed');
    for (const h of ['host', 'x-amz-date', 'x-amz-content-sha256'])
      if (!signedHeaders.includes(h)) return error(403, 'AccessDenied');
    const payloadHash = String(req.headers['x-amz-content-sha256']);
    if (payloadHash !== createHash('sha256').update(body).digest('hex'))
      return error(400, 'XAmzContentSHA256Mismatch');
    const url = new URL(`http://${req.headers.host}${req.url}`);
    const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(req.headers[h] ?? '')]));
    const { canonical } = canonicalRequest(req.method!, url, headers, payloadHash);
    const expected = createHmac('sha256', signingKey(SECRET, at, REGION, 's3'))
      .update(stringToSign(at, credentialScope(at, REGION, 's3'), canonical))
      .digest('hex');
    if (expected !== signature) return error(403, 'SignatureDoesNotMatch');

    const prefix = `/${BUCKET}/`;
    if (!url.pathname.startsWith(prefix)) return error(404, 'NoSuchBucket');
    const objectKey = decodeURIComponent(url.pathname.slice(prefix.length));
    switch (req.method) {
      case 'PUT':
        this.objects.set(objectKey, {
          body,
          contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'),
        });
        return { status: 200, headers: { etag: '"x"' } };
      case 'GET': {
        const o = this.objects.get(objectKey);
        if (!o) return error(404, 'NoSuchKey');
        // Range as S3 answers it: one `bytes=a-b` / `bytes=a-` range → 206, past the end → 416.
        const range = this.ignoreRange
          ? null
          : /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
        if (range) {
          const size = o.body.length;
          const start = Number(range[1]);
          if (start >= size)
            return {
              ...error(416, 'InvalidRange'),
              headers: { 'content-range': `bytes */${size}` },
            };
          const end = Math.min(range[2] === '' ? size - 1 : Number(range[2]), size - 1);
          return {
            status: 206,
            body: o.body.subarray(start, end + 1),
            headers: {
              'content-type': o.contentType,
              'content-length': String(end - start + 1),
              'content-range': `bytes ${start}-${end}/${size}`,
            },
          };
        }
        return {
          status: 200,
          body: o.body,
          headers: { 'content-type': o.contentType, 'content-length': String(o.body.length) },
        };
      }
      case 'DELETE':
        this.objects.delete(objectKey);
        return { status: 204 };
      default:
        return error(405, 'MethodNotAllowed');
    }
  }
}

describe('S3 object storage', () => {
  const s3 = new FakeS3();
  const options = () => ({
    endpoint: s3.endpoint,
    region: REGION,
    bucket: BUCKET,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET,
    forcePathStyle: true,
  });

  beforeAll(() => s3.start());
  afterAll(() => s3.stop());

  it('puts, gets and deletes objects with signed requests', async () => {
    const storage = new S3ObjectStorage(options());
    const key = `listings/${randomUUID()}/${randomUUID()}`;
    await storage.put(key, TEST_IMAGES.png.bytes, 'image/png');
    expect(s3.objects.get(key)).toEqual({ body: TEST_IMAGES.png.bytes, contentType: 'image/png' });
    const put = s3.seen.at(-1)!;
    expect(put.method).toBe('PUT');
    expect(put.url).toBe(`/${BUCKET}/${key}`);
    expect(put.signedHeaders).toEqual([
      'content-type',
      'host',
      'x-amz-content-sha256',
      'x-amz-date',
    ]);
    expect(put.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/\\d{8}/${REGION}/s3/aws4_request,`),
    );

    const got = await storage.get(key);
    expect(got).toMatchObject({
      contentType: 'image/png',
      contentLength: TEST_IMAGES.png.bytes.length,
    });
    expect((await buffer(got!.body)).equals(TEST_IMAGES.png.bytes)).toBe(true);

    await storage.delete(key);
    expect(s3.objects.has(key)).toBe(false);
    expect(await storage.get(key)).toBeNull();
    await expect(storage.delete(key)).resolves.toBeUndefined();
    expect(s3.seen.slice(-4).map((s) => s.method)).toEqual(['GET', 'DELETE', 'GET', 'DELETE']);
  });

  it('reads byte ranges with a signed Range header (206), and reports one past the end', async () => {
    const storage = new S3ObjectStorage(options());
    const key = `disputes/${randomUUID()}/${randomUUID()}`;
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 251));
    await storage.put(key, bytes, 'video/mp4');
    const middle = await storage.get(key, { start: 10, end: 19 });
    expect(middle).toMatchObject({
      contentType: 'video/mp4',
      contentLength: 10,
      range: { start: 10, end: 19, size: 300 },
    });
    expect((await buffer(middle!.body)).equals(bytes.subarray(10, 20))).toBe(true);
    const get = s3.seen.at(-1)!;
    expect([get.method, get.signedHeaders]).toEqual([
      'GET',
      ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
    ]);
    const tail = await storage.get(key, { start: 290, end: 10_000 });
    expect(tail).toMatchObject({ contentLength: 10, range: { start: 290, end: 299, size: 300 } });
    expect((await buffer(tail!.body)).equals(bytes.subarray(290))).toBe(true);
    await expect(storage.get(key, { start: 300, end: 301 })).rejects.toEqual(
      new ObjectRangeError(300),
    );
    await expect(storage.get(key, { start: 3, end: 2 })).rejects.toThrow(RangeError);
    expect(await storage.get(`${key}-missing`, { start: 0, end: 1 })).toBeNull();
    // Without a range the GET carries no Range header and reads the whole object.
    expect((await buffer((await storage.get(key))!.body)).equals(bytes)).toBe(true);
    expect(s3.seen.at(-1)!.signedHeaders).not.toContain('range');
    await storage.delete(key);
  });

  it('refuses a ranged answer that is not the range (a service ignoring Range)', async () => {
    const storage = new S3ObjectStorage(options());
    const key = `disputes/${randomUUID()}/${randomUUID()}`;
    await storage.put(key, Buffer.from('0123456789'), 'video/mp4');
    s3.ignoreRange = true;
    try {
      await expect(storage.get(key, { start: 2, end: 3 })).rejects.toMatchObject({
        operation: 'GET',
        status: 200,
        s3Code: 'RangeNotHonoured',
      });
    } finally {
      s3.ignoreRange = false;
    }
    const part = await storage.get(key, { start: 2, end: 3 });
    expect(await buffer(part!.body)).toEqual(Buffer.from('23'));
  });

  it('reports what S3 refused (a wrong secret), without the secret', async () => {
    const wrong = new S3ObjectStorage({ ...options(), secretAccessKey: 'not-the-secret' });
    const error = await wrong.put('a/b', Buffer.from('x'), 'image/png').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(S3StorageError);
    expect(error).toMatchObject({ operation: 'PUT', status: 403, s3Code: 'SignatureDoesNotMatch' });
    expect(String(error)).not.toContain('not-the-secret');
    await expect(wrong.get('a/b')).rejects.toMatchObject({ s3Code: 'SignatureDoesNotMatch' });
    expect(s3.objects.has('a/b')).toBe(false);
  });

  it('addresses objects path-style or virtual-hosted, under an endpoint path if any', () => {
    const path = new S3ObjectStorage({ ...options(), endpoint: 'https://minio.example:9000/s3/' });
    expect(path.urlOf('listings/a/b').toString()).toBe(
      `https://minio.example:9000/s3/${BUCKET}/listings/a/b`,
    );
    const hosted = new S3ObjectStorage({
      ...options(),
      endpoint: 'https://s3.ap-south-1.amazonaws.com',
      forcePathStyle: false,
    });
    expect(hosted.urlOf('listings/a/b').toString()).toBe(
      `https://${BUCKET}.s3.ap-south-1.amazonaws.com/listings/a/b`,
    );
    expect(() => hosted.urlOf('../etc/passwd')).toThrow(/invalid object key/);
  });

  describe('as the application’s storage (STORAGE_DRIVER=s3)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: {
          ...QUIET_ENV,
          CATALOG_REVIEW_FIRST_LISTINGS: '0',
          STORAGE_DRIVER: 's3',
          S3_ENDPOINT: s3.endpoint,
          S3_REGION: REGION,
          S3_BUCKET: BUCKET,
          S3_ACCESS_KEY_ID: ACCESS_KEY,
          S3_SECRET_ACCESS_KEY: SECRET,
          S3_FORCE_PATH_STYLE: 'true',
        },
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('uploads to the bucket, serves the bytes from it, and deletes from it', async () => {
      const dealer = await signInAs(t, 'dealer');
      const created = await t.api.POST('/dealer/listings', {
        headers: dealer.headers,
        body: {
          sku: 'S3-1',
          name: 'Galaxy S21 Rear Camera Lens',
          category: 'camera',
          brand: 'Samsung',
          compatibleModels: ['Galaxy S21'],
          condition: 'new',
          hsnCode: '85177900',
          gstRateBps: 1800,
          mrpPaise: 50_000,
          b2cPricePaise: 45_000,
          b2bPricePaise: 40_000,
        },
      });
      const listingId = created.data!.id;
      const submitted = await t.api.POST('/dealer/listings/{listingId}/submit', {
        params: { path: { listingId } },
        headers: dealer.headers,
      });
      expect(submitted.data?.status).toBe('active');

      const up = await t.api.POST('/dealer/listings/{listingId}/images', {
        params: { path: { listingId } },
        headers: { ...dealer.headers, 'content-type': 'image/jpeg' },
        body: TEST_IMAGES.jpeg.bytes as unknown as string,
        bodySerializer: (b) => b,
      });
      expect(up.response.status).toBe(201);
      const key = `listings/${listingId}/${up.data!.id}`;
      // Stored re-encoded (src/common/media): the bytes of the image's recorded hash.
      const stored = s3.objects.get(key)!;
      expect(stored.contentType).toBe('image/jpeg');
      expect(createHash('sha256').update(stored.body).digest('hex')).toBe(up.data!.sha256);

      const res = await fetch(`${t.baseUrl}${up.data!.url}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await res.arrayBuffer()).equals(stored.body)).toBe(true);

      const del = await t.api.DELETE('/dealer/listings/{listingId}/images/{imageId}', {
        params: { path: { listingId, imageId: up.data!.id } },
        headers: dealer.headers,
      });
      expect(del.response.status).toBe(204);
      expect(s3.objects.has(key)).toBe(false);
    });
  });
});
