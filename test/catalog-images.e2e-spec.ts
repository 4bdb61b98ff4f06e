/**
 * Listing images end to end, on local-disk storage in a temporary directory: uploads of each type
 * (type read from the bytes, then decoded and stored re-encoded without metadata, with the real pixel
 * size), type, size and undecodable-file refusals, the per-listing limit, object
 * checks (another dealer 404, pending dealer 403), the public route (bytes, ETag, Cache-Control,
 * visibility), reorder and delete, and that no stored object outlives a failed insert.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import type { components } from './support/api-types.js';
import sharp from 'sharp';
import {
  hasGpsTag,
  jpegWithGps,
  NOT_MEDIA,
  pngClaiming,
  pngOfSize,
  TEST_IMAGES,
} from './support/test-images.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

type Image = components['schemas']['ListingImageDto'];
type Problem = { status: number; code: string; detail?: string; [k: string]: unknown };

const MAX_BYTES = 4096;
const MAX_IMAGES = 4;
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

describe('listing images', () => {
  let t: TestApp;
  let storageDir: string;
  let dealer: SignedIn;
  let other: SignedIn;
  let pending: SignedIn;
  let customer: SignedIn;
  let seq = 0;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  /** Stored objects of a listing (files, without their type sidecars). */
  const objectsOf = (listingId: string): string[] => {
    const dir = join(storageDir, 'listings', listingId);
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => !f.endsWith('.meta'))
          .sort()
      : [];
  };
  const rowCount = async (listingId: string) =>
    Number(
      (
        await sql<{ n: string }>(
          `SELECT count(*)::text AS n FROM listing_images WHERE listing_id = $1`,
          [listingId],
        )
      )[0]!.n,
    );

  /** A listing of `who`: a draft, or submitted (straight to active: no first-listing review here). */
  const listing = async (who: SignedIn, active = true): Promise<string> => {
    const i = seq++;
    const { data, response } = await t.api.POST('/dealer/listings', {
      headers: who.headers,
      body: {
        sku: `IMG-${i}`,
        // Unrelated names, so that no listing is flagged a near-duplicate (which would go to review).
        name: `Part ${randomUUID().slice(0, 8)} ${randomUUID().slice(0, 8)}`,
        category: 'other',
        brand: `Brand${i}`,
        compatibleModels: [`Model ${i}`],
        condition: 'new',
        hsnCode: '85177900',
        gstRateBps: 1800,
        mrpPaise: 10_000,
        b2cPricePaise: 9_000,
        b2bPricePaise: 8_000,
      },
    });
    expect(response.status).toBe(201);
    if (active) {
      const submitted = await t.api.POST('/dealer/listings/{listingId}/submit', {
        params: { path: { listingId: data!.id } },
        headers: who.headers,
      });
      expect(submitted.data?.status).toBe('active');
    }
    return data!.id;
  };

  /** Uploads through the typed client (the body is raw bytes, sent as they are). */
  const upload = async (
    who: SignedIn | null,
    listingId: string,
    bytes: Uint8Array,
    contentType: string,
  ): Promise<{ status: number; image?: Image; problem?: Problem }> => {
    const { data, error, response } = await t.api.POST('/dealer/listings/{listingId}/images', {
      params: { path: { listingId } },
      headers: { ...(who?.headers ?? {}), 'content-type': contentType },
      body: bytes as unknown as string,
      bodySerializer: (b) => b,
    });
    return { status: response.status, image: data, problem: error as Problem | undefined };
  };
  const publicImage = (listingId: string, imageId: string, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}/catalog/listings/${listingId}/images/${imageId}`, { headers });

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'fixbazaar-images-'));
    t = await startTestApp({
      env: {
        ...QUIET_ENV,
        CATALOG_REVIEW_FIRST_LISTINGS: '0',
        STORAGE_DRIVER: 'local',
        STORAGE_LOCAL_DIR: storageDir,
        LISTING_IMAGE_MAX_BYTES: String(MAX_BYTES),
        LISTING_IMAGES_MAX: String(MAX_IMAGES),
      },
    });
    [dealer, other, pending, customer] = await Promise.all([
      signInAs(t, 'dealer'),
      signInAs(t, 'dealer'),
      signInAs(t, 'dealer', { status: 'pending' }),
      signInAs(t, 'customer'),
    ]);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  it('stores each type re-encoded, with its size and pixels, in upload order', async () => {
    const id = await listing(dealer);
    const uploaded: Image[] = [];
    for (const image of [TEST_IMAGES.jpeg, TEST_IMAGES.png, TEST_IMAGES.webp]) {
      const res = await upload(dealer, id, image.bytes, image.contentType);
      expect(res.status).toBe(201);
      // The stored object is the decoded image written again in its format, at its pixel size.
      const stored = readFileSync(join(storageDir, 'listings', id, res.image!.id));
      const meta = await sharp(stored).metadata();
      expect([`image/${meta.format}`, meta.width, meta.height]).toEqual([
        image.contentType,
        image.width,
        image.height,
      ]);
      const sha256 = createHash('sha256').update(stored).digest('hex');
      expect(res.image).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        listingId: id,
        url: `/catalog/listings/${id}/images/${res.image!.id}`,
        contentType: image.contentType,
        width: image.width,
        height: image.height,
        byteSize: stored.length,
        sha256,
        position: uploaded.length,
        createdAt: expect.any(String),
      });
      uploaded.push(res.image!);
    }
    // A content type with parameters and in capitals is the same type.
    const extra = await upload(dealer, id, TEST_IMAGES.losslessWebp.bytes, 'IMAGE/WEBP; q=1');
    expect(extra.status).toBe(201);
    uploaded.push(extra.image!);

    const { data, response } = await t.api.GET('/dealer/listings/{listingId}/images', {
      params: { path: { listingId: id } },
      headers: dealer.headers,
    });
    expect(response.status).toBe(200);
    expect(data).toEqual({ items: uploaded, maxImages: MAX_IMAGES, maxBytes: MAX_BYTES });
    expect(objectsOf(id)).toEqual(uploaded.map((u) => u.id).sort());
  });

  it('goes by the bytes: a mismatch or a non-image is 415 and stores nothing', async () => {
    const id = await listing(dealer);
    const cases: [Uint8Array, string, string | undefined][] = [
      [TEST_IMAGES.png.bytes, 'image/jpeg', 'image/png'],
      [TEST_IMAGES.jpeg.bytes, 'image/webp', 'image/jpeg'],
      [TEST_IMAGES.webp.bytes, 'image/png', 'image/webp'],
      [GIF, 'image/png', undefined],
      [GIF, 'image/gif', undefined],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml', undefined],
      [TEST_IMAGES.png.bytes, 'application/octet-stream', undefined],
    ];
    for (const [bytes, type, detected] of cases) {
      const res = await upload(dealer, id, bytes, type);
      expect({ type, status: res.status, code: res.problem?.code }).toEqual({
        type,
        status: 415,
        code: 'listing-image/unsupported-type',
      });
      expect(res.problem?.accepted).toEqual(['image/jpeg', 'image/png', 'image/webp']);
      if (detected) expect(res.problem?.detectedType).toBe(detected);
    }
    // JSON and text bodies are not images either.
    for (const [body, type] of [
      ['{}', 'application/json'],
      ['hello', 'text/plain'],
    ] as const) {
      const res = await fetch(`${t.baseUrl}/dealer/listings/${id}/images`, {
        method: 'POST',
        headers: { ...dealer.headers, 'content-type': type },
        body,
      });
      expect(res.status).toBe(415);
      expect(((await res.json()) as Problem).code).toBe('listing-image/unsupported-type');
    }
    expect(await rowCount(id)).toBe(0);
    expect(objectsOf(id)).toEqual([]);
  });

  it('decodes every image: one that only starts like an image is 422 and stores nothing', async () => {
    const id = await listing(dealer);
    const cases = [
      [NOT_MEDIA.barePngHeader, 'media/undecodable'],
      [NOT_MEDIA.pngClaiming2e31, 'media/undecodable'],
      [NOT_MEDIA.junkAfterWebpHeader, 'media/undecodable'],
      [NOT_MEDIA.truncatedJpeg, 'media/undecodable'],
      [{ contentType: 'image/png', bytes: pngClaiming(10_000, 5_000) }, 'media/too-many-pixels'],
    ] as const;
    for (const [file, code] of cases) {
      const res = await upload(dealer, id, file.bytes, file.contentType);
      expect({ status: res.status, code: res.problem?.code }).toEqual({ status: 422, code });
    }
    expect(await rowCount(id)).toBe(0);
    expect(objectsOf(id)).toEqual([]);
  });

  it('stores a photo upright and without its EXIF (GPS included)', async () => {
    const id = await listing(dealer);
    const photo = await jpegWithGps(4, 2);
    expect(hasGpsTag((await sharp(photo).metadata()).exif)).toBe(true);
    const res = await upload(dealer, id, photo, 'image/jpeg');
    expect(res.status).toBe(201);
    // EXIF orientation 6: the 4×2 pixels are shown turned, 2×4.
    expect([res.image!.width, res.image!.height]).toEqual([2, 4]);
    const served = Buffer.from(await (await publicImage(id, res.image!.id)).arrayBuffer());
    const meta = await sharp(served).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 2, height: 4 });
    expect([meta.exif, meta.xmp, meta.orientation]).toEqual([undefined, undefined, undefined]);
    expect(served.includes(Buffer.from('TestCam'))).toBe(false);
  });

  it('refuses an image over the size limit with 413, whether its length is declared or streamed', async () => {
    const id = await listing(dealer);
    const declared = await upload(dealer, id, pngOfSize(MAX_BYTES + 1), 'image/png');
    expect(declared.status).toBe(413);
    expect(declared.problem).toMatchObject({
      code: 'listing-image/too-large',
      maxBytes: MAX_BYTES,
    });

    // Chunked, without Content-Length: counted while read.
    const bytes = pngOfSize(MAX_BYTES + 500);
    const streamed = await fetch(`${t.baseUrl}/dealer/listings/${id}/images`, {
      method: 'POST',
      headers: { ...dealer.headers, 'content-type': 'image/png' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(bytes.subarray(0, 3000));
          c.enqueue(bytes.subarray(3000));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(streamed.headers.get('content-type')).toContain('application/problem+json');
    expect(((await streamed.json()) as Problem).code).toBe('listing-image/too-large');
    expect(objectsOf(id)).toEqual([]);

    // Exactly the limit is fine.
    expect((await upload(dealer, id, pngOfSize(MAX_BYTES), 'image/png')).status).toBe(201);
    // The limit is only for the upload route: elsewhere an image body is an unsupported type.
    const elsewhere = await fetch(`${t.baseUrl}/dealer/listings`, {
      method: 'POST',
      headers: { ...dealer.headers, 'content-type': 'image/png' },
      body: TEST_IMAGES.png.bytes,
    });
    expect(elsewhere.status).toBe(415);
    expect(((await elsewhere.json()) as Problem).code).toBe('request/unsupported-media-type');
  });

  it(`allows ${MAX_IMAGES} images per listing (409 after), also under concurrent uploads`, async () => {
    const id = await listing(dealer);
    for (let i = 0; i < MAX_IMAGES - 1; i++)
      expect((await upload(dealer, id, TEST_IMAGES.png.bytes, 'image/png')).status).toBe(201);
    // Three at once for the last place: one wins, and no object is left for the others.
    const race = await Promise.all(
      [0, 1, 2].map(() => upload(dealer, id, TEST_IMAGES.jpeg.bytes, 'image/jpeg')),
    );
    expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const r of race.filter((r) => r.status === 409))
      expect(r.problem).toMatchObject({ code: 'listing-image/too-many', maxImages: MAX_IMAGES });
    expect(await rowCount(id)).toBe(MAX_IMAGES);
    expect(objectsOf(id)).toHaveLength(MAX_IMAGES);
    const positions = await sql<{ position: number }>(
      `SELECT position FROM listing_images WHERE listing_id = $1 ORDER BY position`,
      [id],
    );
    expect(positions.map((p) => p.position)).toEqual([0, 1, 2, 3]);
  });

  it('deletes the stored object when the insert fails after it was stored', async () => {
    const id = await listing(dealer);
    await sql(`
      CREATE FUNCTION test_fail_image_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'insert refused by test'; END $$`);
    await sql(`CREATE TRIGGER test_fail_image_insert BEFORE INSERT ON listing_images
      FOR EACH ROW EXECUTE FUNCTION test_fail_image_insert()`);
    try {
      const res = await upload(dealer, id, TEST_IMAGES.png.bytes, 'image/png');
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.problem)).not.toContain('insert refused by test');
    } finally {
      await sql(`DROP TRIGGER test_fail_image_insert ON listing_images`);
      await sql(`DROP FUNCTION test_fail_image_insert()`);
    }
    expect(await rowCount(id)).toBe(0);
    // The object was written (the listing's folder exists) and deleted again.
    expect(existsSync(join(storageDir, 'listings', id))).toBe(true);
    expect(objectsOf(id)).toEqual([]);
  });

  it('answers another dealer with 404, a pending dealer and a customer with 403, anonymous with 401', async () => {
    const id = await listing(dealer);
    const mine = await upload(dealer, id, TEST_IMAGES.png.bytes, 'image/png');
    const imageId = mine.image!.id;
    const path = { params: { path: { listingId: id } } };
    const imagePath = { params: { path: { listingId: id, imageId } } };

    const theirs = await upload(other, id, TEST_IMAGES.png.bytes, 'image/png');
    expect([theirs.status, theirs.problem?.code]).toEqual([404, 'listing/not-found']);
    const list = await t.api.GET('/dealer/listings/{listingId}/images', {
      ...path,
      headers: other.headers,
    });
    expect(list.response.status).toBe(404);
    const del = await t.api.DELETE('/dealer/listings/{listingId}/images/{imageId}', {
      ...imagePath,
      headers: other.headers,
    });
    expect(del.response.status).toBe(404);
    const order = await t.api.PUT('/dealer/listings/{listingId}/images/order', {
      ...path,
      headers: other.headers,
      body: { imageIds: [imageId] },
    });
    expect(order.response.status).toBe(404);
    // The other dealer's answer does not say whether the listing exists.
    expect(list.error).toMatchObject({ code: 'listing/not-found' });

    for (const who of [pending, customer]) {
      expect((await upload(who, id, TEST_IMAGES.png.bytes, 'image/png')).status).toBe(403);
      const res = await t.api.GET('/dealer/listings/{listingId}/images', {
        ...path,
        headers: who.headers,
      });
      expect(res.response.status).toBe(403);
    }
    expect((await upload(null, id, TEST_IMAGES.png.bytes, 'image/png')).status).toBe(401);
    expect(await rowCount(id)).toBe(1);
    expect(objectsOf(id)).toEqual([imageId]);
  });

  it('serves the bytes of a visible listing’s image publicly, with type, ETag and caching', async () => {
    const id = await listing(dealer);
    const up = await upload(dealer, id, TEST_IMAGES.webp.bytes, 'image/webp');
    const imageId = up.image!.id;

    const res = await publicImage(id, imageId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(res.headers.get('etag')).toBe(`"${up.image!.sha256}"`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const served = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(served).digest('hex')).toBe(up.image!.sha256);
    expect(await sharp(served).metadata()).toMatchObject({ format: 'webp', width: 7, height: 6 });

    const again = await publicImage(id, imageId, {
      'if-none-match': `W/"other", "${up.image!.sha256}"`,
    });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    expect((await publicImage(id, imageId, { 'if-none-match': '"other"' })).status).toBe(200);

    // The public listing detail lists its images.
    const { data } = await t.api.GET('/catalog/listings/{id}', { params: { path: { id } } });
    expect(data?.images).toEqual([
      {
        id: imageId,
        url: `/catalog/listings/${id}/images/${imageId}`,
        contentType: 'image/webp',
        width: TEST_IMAGES.webp.width,
        height: TEST_IMAGES.webp.height,
      },
    ]);
  });

  it('hides the images of listings the catalog does not show (draft, paused, unapproved dealer)', async () => {
    const draft = await listing(dealer, false);
    const d = await upload(dealer, draft, TEST_IMAGES.png.bytes, 'image/png');
    expect(d.status).toBe(201);
    const res = await publicImage(draft, d.image!.id);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Problem).code).toBe('listing-image/not-found');

    const paused = await listing(other);
    const p = await upload(other, paused, TEST_IMAGES.png.bytes, 'image/png');
    expect((await publicImage(paused, p.image!.id)).status).toBe(200);
    const pause = await t.api.POST('/dealer/listings/{listingId}/pause', {
      params: { path: { listingId: paused } },
      headers: other.headers,
    });
    expect(pause.response.status).toBe(200);
    expect((await publicImage(paused, p.image!.id)).status).toBe(404);

    const active = await listing(dealer);
    const a = await upload(dealer, active, TEST_IMAGES.png.bytes, 'image/png');
    expect((await publicImage(active, a.image!.id)).status).toBe(200);
    // An image id under another listing's id is not found.
    expect((await publicImage(paused, a.image!.id)).status).toBe(404);
    await sql(`UPDATE users SET status = 'suspended' WHERE id = $1`, [dealer.userId]);
    try {
      expect((await publicImage(active, a.image!.id)).status).toBe(404);
    } finally {
      await sql(`UPDATE users SET status = 'approved' WHERE id = $1`, [dealer.userId]);
    }
    expect((await publicImage(active, a.image!.id)).status).toBe(200);
  });

  it('reorders (every image once) and deletes (row, object, public bytes)', async () => {
    const id = await listing(dealer);
    const ids: string[] = [];
    for (const image of [TEST_IMAGES.jpeg, TEST_IMAGES.png, TEST_IMAGES.webp])
      ids.push((await upload(dealer, id, image.bytes, image.contentType)).image!.id);
    const path = { params: { path: { listingId: id } } };

    const reordered = await t.api.PUT('/dealer/listings/{listingId}/images/order', {
      ...path,
      headers: dealer.headers,
      body: { imageIds: [ids[2]!, ids[0]!, ids[1]!] },
    });
    expect(reordered.response.status).toBe(200);
    expect(reordered.data!.items.map((i) => [i.id, i.position])).toEqual([
      [ids[2], 0],
      [ids[0], 1],
      [ids[1], 2],
    ]);
    for (const imageIds of [
      [ids[0]!, ids[1]!],
      [ids[0]!, ids[1]!, ids[2]!, ids[0]!],
    ]) {
      const bad = await t.api.PUT('/dealer/listings/{listingId}/images/order', {
        ...path,
        headers: dealer.headers,
        body: { imageIds },
      });
      expect(bad.response.status).toBeGreaterThanOrEqual(400);
      expect(bad.response.status).toBeLessThan(500);
    }
    const mismatch = await t.api.PUT('/dealer/listings/{listingId}/images/order', {
      ...path,
      headers: dealer.headers,
      body: { imageIds: [ids[0]!, ids[1]!] },
    });
    expect(mismatch.error).toMatchObject({ status: 422, code: 'listing-image/order-mismatch' });

    const imagePath = { params: { path: { listingId: id, imageId: ids[0]! } } };
    const del = await t.api.DELETE('/dealer/listings/{listingId}/images/{imageId}', {
      ...imagePath,
      headers: dealer.headers,
    });
    expect(del.response.status).toBe(204);
    expect(objectsOf(id)).toEqual([ids[1]!, ids[2]!].sort());
    expect((await publicImage(id, ids[0]!)).status).toBe(404);
    const list = await t.api.GET('/dealer/listings/{listingId}/images', {
      ...path,
      headers: dealer.headers,
    });
    expect(list.data!.items.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    const twice = await t.api.DELETE('/dealer/listings/{listingId}/images/{imageId}', {
      ...imagePath,
      headers: dealer.headers,
    });
    expect(twice.error).toMatchObject({ status: 404, code: 'listing-image/not-found' });
    // The freed place can be used again, after the others.
    const next = await upload(dealer, id, TEST_IMAGES.png.bytes, 'image/png');
    expect(next.image!.position).toBe(3);
  });

  it('refuses changes to the images of a removed listing (409)', async () => {
    const id = await listing(dealer);
    const up = await upload(dealer, id, TEST_IMAGES.png.bytes, 'image/png');
    await sql(`UPDATE listings SET status = 'removed' WHERE id = $1`, [id]);
    const res = await upload(dealer, id, TEST_IMAGES.png.bytes, 'image/png');
    expect([res.status, res.problem?.code]).toEqual([409, 'listing/removed']);
    const del = await t.api.DELETE('/dealer/listings/{listingId}/images/{imageId}', {
      params: { path: { listingId: id, imageId: up.image!.id } },
      headers: dealer.headers,
    });
    expect(del.error).toMatchObject({ status: 409, code: 'listing/removed' });
    expect(objectsOf(id)).toEqual([up.image!.id]);
  });
});
