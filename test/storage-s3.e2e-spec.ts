/**
 * The S3 adapter (AWS SDK) against s3rver, a local S3-compatible server (path-style, objects in a
 * temporary directory): put, get (ranges too), delete. s3rver does not check SigV4 signatures, nor
 * honour If-None-Match or Object Lock, and always honours Range: what the adapter sends for those,
 * and how it reads a service that ignores Range, is checked at the wire against a tiny HTTP server.
 * Then the whole app on STORAGE_DRIVER=s3: upload, public fetch, delete.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { QUIET_ENV, signInAs } from './support/accounts.js';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from './support/local-s3.js';
import { TEST_IMAGES } from './support/test-images.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { AnchorExistsError, anchorKey } from '../src/anchor/anchor-store.js';
import { S3AnchorStore } from '../src/anchor/s3-anchor-store.js';
import { ObjectRangeError } from '../src/storage/object-storage.js';
import { S3ObjectStorage, S3StorageError } from '../src/storage/s3.storage.js';

const REGION = 'ap-south-1';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** Records each request and answers it with `answer` (a canned S3 reply). */
class WireServer {
  readonly seen: Seen[] = [];
  answer: (req: Seen) => { status: number; headers?: Record<string, string>; body?: string } =
    () => ({ status: 200 });
  private server!: Server;
  endpoint = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void buffer(req).then(() => {
        const seen = { method: req.method!, url: req.url!, headers: req.headers };
        this.seen.push(seen);
        const { status, headers, body } = this.answer(seen);
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
}

const s3Error = (status: number, code: string) => ({
  status,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>test</Message></Error>`,
});

describe('S3 object storage', () => {
  let s3: LocalS3;
  const options = () => ({
    endpoint: s3.endpoint,
    region: REGION,
    bucket: s3.bucket,
    ...LOCAL_S3_CREDENTIALS,
    forcePathStyle: true,
  });
  const storages: S3ObjectStorage[] = [];
  const storageOf = (o: ConstructorParameters<typeof S3ObjectStorage>[0]) => {
    const storage = new S3ObjectStorage(o);
    storages.push(storage);
    return storage;
  };

  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(async () => {
    for (const storage of storages) storage.destroy();
    await s3.stop();
  });

  it('puts, gets and deletes objects; a missing object is null, deleting it is fine', async () => {
    const storage = storageOf(options());
    const key = `listings/${randomUUID()}/${randomUUID()}`;
    await storage.put(key, TEST_IMAGES.png.bytes, 'image/png');
    const got = await storage.get(key);
    expect(got).toMatchObject({
      contentType: 'image/png',
      contentLength: TEST_IMAGES.png.bytes.length,
    });
    expect((await buffer(got!.body)).equals(TEST_IMAGES.png.bytes)).toBe(true);
    expect(got!.range).toBeUndefined();

    await storage.delete(key);
    expect(await storage.get(key)).toBeNull();
    await expect(storage.delete(key)).resolves.toBeUndefined();
    await expect(storage.get('../etc/passwd')).rejects.toThrow(/invalid object key/);
  });

  it('reads byte ranges (206), to the end, and reports one past the end with the size', async () => {
    const storage = storageOf(options());
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
    const tail = await storage.get(key, { start: 290, end: 10_000 });
    expect(tail).toMatchObject({ contentLength: 10, range: { start: 290, end: 299, size: 300 } });
    expect((await buffer(tail!.body)).equals(bytes.subarray(290))).toBe(true);
    await expect(storage.get(key, { start: 300, end: 301 })).rejects.toEqual(
      new ObjectRangeError(300),
    );
    await expect(storage.get(key, { start: 3, end: 2 })).rejects.toThrow(RangeError);
    expect(await storage.get(`${key}-missing`, { start: 0, end: 1 })).toBeNull();
    expect((await buffer((await storage.get(key))!.body)).equals(bytes)).toBe(true);
    await storage.delete(key);
  });

  it('reports what S3 refused (an unknown access key), without the secret', async () => {
    const wrong = storageOf({
      ...options(),
      accessKeyId: 'AKIAUNKNOWN000000000',
      secretAccessKey: 'not-the-secret',
    });
    const error = await wrong.put('a/b', Buffer.from('x'), 'image/png').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(S3StorageError);
    expect(error).toMatchObject({ operation: 'PUT', status: 403, s3Code: 'InvalidAccessKeyId' });
    expect(String(error)).toBe('S3StorageError: S3 PUT failed: HTTP 403 InvalidAccessKeyId');
    expect(String(error)).not.toContain('not-the-secret');
    await expect(wrong.get('a/b')).rejects.toMatchObject({ s3Code: 'InvalidAccessKeyId' });
    expect(await storageOf(options()).get('a/b')).toBeNull();
  });

  it('keeps integrity anchors: written once, the newest read back by listing one key', async () => {
    // One object per prefix: s3rver fails a truncated listing (its continuation token uses a cipher
    // OpenSSL 3 refuses); the key order that puts the newest first is checked on the local store.
    const anchors = new S3AnchorStore(storageOf(options()), s3.bucket, 30);
    expect(await anchors.latest('ledger')).toBeNull();
    await anchors.write(anchorKey('ledger', 12n), { sealNo: '12' });
    expect(await anchors.latest('ledger')).toEqual({
      key: anchorKey('ledger', 12n),
      doc: { sealNo: '12' },
    });
    expect(await anchors.latest('audit')).toBeNull();
  });

  describe('at the wire', () => {
    const wire = new WireServer();
    beforeAll(() => wire.start());
    afterAll(() => wire.stop());
    const wireStorage = () =>
      storageOf({
        endpoint: `${wire.endpoint}/s3/`,
        region: REGION,
        bucket: 'fixbazaar-test',
        accessKeyId: 'AKIAFIXBAZAARTEST01',
        secretAccessKey: 'fixbazaar/test+secret/key0123456789abcdef',
        forcePathStyle: true,
      });

    it('signs path-style requests under the endpoint path, with a signed Range on ranged reads', async () => {
      wire.answer = () => ({
        status: 206,
        headers: {
          'content-type': 'video/mp4',
          'content-length': '2',
          'content-range': 'bytes 2-3/10',
        },
        body: '23',
      });
      const part = await wireStorage().get('disputes/a/b', { start: 2, end: 3 });
      expect(await buffer(part!.body)).toEqual(Buffer.from('23'));
      const get = wire.seen.at(-1)!;
      expect([get.method, get.url.split('?')[0], get.headers.range]).toEqual([
        'GET',
        '/s3/fixbazaar-test/disputes/a/b',
        'bytes=2-3',
      ]);
      expect(get.headers.authorization).toMatch(
        new RegExp(
          `^AWS4-HMAC-SHA256 Credential=AKIAFIXBAZAARTEST01/\\d{8}/${REGION}/s3/aws4_request, ?SignedHeaders=[a-z0-9;-]*\\brange\\b`,
        ),
      );
    });

    it('refuses a ranged answer that is not the range (a service ignoring Range)', async () => {
      wire.answer = () => ({
        status: 200,
        headers: { 'content-type': 'video/mp4', 'content-length': '10' },
        body: '0123456789',
      });
      await expect(wireStorage().get('disputes/a/b', { start: 2, end: 3 })).rejects.toMatchObject({
        operation: 'GET',
        status: 200,
        s3Code: 'RangeNotHonoured',
      });
    });

    it('writes once with Object Lock: If-None-Match, compliance mode, retention, a checksum; 412 refused', async () => {
      const retainUntil = new Date('2033-01-01T00:00:00Z');
      wire.answer = () => ({ status: 200, headers: { etag: '"x"' } });
      await wireStorage().putObject('anchors/a.json', Buffer.from('{}'), 'application/json', {
        ifNoneMatch: true,
        retainUntil,
      });
      const put = wire.seen.at(-1)!;
      expect(put.method).toBe('PUT');
      expect(put.headers).toMatchObject({
        'if-none-match': '*',
        'x-amz-object-lock-mode': 'COMPLIANCE',
        'x-amz-object-lock-retain-until-date': '2033-01-01T00:00:00Z',
        'content-type': 'application/json',
      });
      expect(put.headers['x-amz-checksum-sha256'] ?? put.headers['x-amz-trailer']).toBeTruthy();

      wire.answer = () => s3Error(412, 'PreconditionFailed');
      await expect(
        wireStorage().putObject('anchors/a.json', Buffer.from('{}'), 'application/json', {
          ifNoneMatch: true,
          retainUntil,
        }),
      ).rejects.toMatchObject({ operation: 'PUT', status: 412, s3Code: 'PreconditionFailed' });
      // The anchor store: a taken key is refused, and the lock lasts the retention from now.
      const anchors = new S3AnchorStore(wireStorage(), 'fixbazaar-test', 2557);
      const key = anchorKey('audit', 5n);
      await expect(anchors.write(key, { count: 5 })).rejects.toEqual(new AnchorExistsError(key));
      expect(wire.seen.at(-1)!.url.split('?')[0]).toBe(`/s3/fixbazaar-test/${key}`);
      const until = Date.parse(
        String(wire.seen.at(-1)!.headers['x-amz-object-lock-retain-until-date']),
      );
      expect(Math.abs(until - (Date.now() + 2557 * 86_400_000))).toBeLessThan(60_000);
    });
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
          S3_BUCKET: s3.bucket,
          S3_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
          S3_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
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
      const stored = await storageOf(options()).get(key);
      expect(stored?.contentType).toBe('image/jpeg');
      // Stored re-encoded (src/common/media): the bytes of the image's recorded hash.
      const bytes = await buffer(stored!.body);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(up.data!.sha256);

      const res = await fetch(`${t.baseUrl}${up.data!.url}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);

      const del = await t.api.DELETE('/dealer/listings/{listingId}/images/{imageId}', {
        params: { path: { listingId, imageId: up.data!.id } },
        headers: dealer.headers,
      });
      expect(del.response.status).toBe(204);
      expect(await storageOf(options()).get(key)).toBeNull();
    });
  });
});
