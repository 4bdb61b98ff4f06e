/**
 * Photos and videos of a repair job over HTTP, on real PostgreSQL and the local-disk store: the
 * customer attaches them while the job is open (a photo stored re-encoded without its EXIF GPS
 * position, a video served by byte range), at most REPAIR_MEDIA_MAX, wrong types, oversized and
 * fake files refused with a problem naming them; the customer, the current technician and staff
 * read them, a reassigned-away technician and strangers get 404.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ObjectStorage } from '../src/storage/object-storage.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { hardwareTechnician } from './support/repairs.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';
import {
  hasGpsTag,
  jpegWithGps,
  NOT_MEDIA,
  pngOfSize,
  TEST_IMAGES,
  TEST_VIDEOS,
} from './support/test-images.js';

const MAX_FILES = 10;
const IMAGE_MAX_BYTES = 4096;

interface Problem {
  code: string;
  detail: string;
  [k: string]: unknown;
}

describe('repair job media', () => {
  let t: TestApp;
  let storageDir: string;
  let customer: SignedIn;
  let technician: SignedIn;
  let admin: SignedIn;
  let ops: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  const upload = (who: SignedIn, jobId: string, type: string, body: Uint8Array) =>
    fetch(`${t.baseUrl}/repairs/${jobId}/media`, {
      method: 'POST',
      headers: { authorization: who.headers.authorization!, 'content-type': type },
      body,
    });
  const uploaded = async (who: SignedIn, jobId: string, type: string, body: Uint8Array) => {
    const res = await upload(who, jobId, type, body);
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; url: string; byteSize: number; sha256: string };
  };
  const refusal = async (res: Response) => ({
    status: res.status,
    ...((await res.json()) as Problem),
  });
  const list = (who: SignedIn, repairJobId: string) =>
    t.api.GET('/repairs/{repairJobId}/media', {
      params: { path: { repairJobId } },
      headers: who.headers,
    });
  const download = (who: SignedIn, url: string, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}${url}`, { headers: { ...who.headers, ...headers } });

  /** A hardware job of `customer`, assigned by staff to `tech`. */
  const assignedJob = async (tech: SignedIn): Promise<string> => {
    const requested = await t.api.POST('/repairs', {
      body: {
        kind: 'hardware',
        mode: 'offline',
        deviceBrand: 'Xiaomi',
        deviceModel: 'Redmi Note 12',
        problem: 'Charging port loose, screen cracked at the corner',
        location: { lat: 12.9716, lng: 77.5946 },
      },
      headers: customer.headers,
    });
    expect(requested.response.status).toBe(201);
    const repairJobId = requested.data!.id;
    const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
      params: { path: { repairJobId } },
      body: { technicianId: tech.userId },
      headers: admin.headers,
    });
    expect(assigned.response.status).toBe(200);
    return repairJobId;
  };

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'fixbazaar-repair-media-'));
    t = await startTestApp({
      env: {
        ...QUIET_ENV,
        STORAGE_LOCAL_DIR: storageDir,
        REPAIR_MEDIA_IMAGE_MAX_BYTES: String(IMAGE_MAX_BYTES),
        REPAIR_MEDIA_VIDEO_MAX_BYTES: '8192',
        REPAIR_MEDIA_MAX: String(MAX_FILES),
      },
    });
    [customer, technician, admin, ops] = await Promise.all([
      signInAs(t, 'customer'),
      hardwareTechnician(t),
      signInAs(t, 'admin'),
      signInAs(t, 'ops_leader'),
    ]);
  });
  afterAll(() => t?.close());

  it('stores a photo upright without its EXIF GPS position, as the stored bytes show', async () => {
    const jobId = await assignedJob(technician);
    const photo = await jpegWithGps(4, 2);
    expect(hasGpsTag((await sharp(photo).metadata()).exif)).toBe(true);
    const media = await uploaded(customer, jobId, 'image/jpeg', photo);

    const [row] = await sql<{ storage_key: string; byte_size: number; sha256: string }>(
      `SELECT storage_key, byte_size, sha256 FROM repair_job_media WHERE id = $1`,
      [media.id],
    );
    const object = await t.app.get(ObjectStorage).get(row!.storage_key);
    const chunks: Buffer[] = [];
    for await (const chunk of object!.body) chunks.push(chunk as Buffer);
    const stored = Buffer.concat(chunks);
    expect(stored.length).toBe(row!.byte_size);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(row!.sha256);
    expect(media).toMatchObject({ byteSize: row!.byte_size, sha256: row!.sha256 });
    const meta = await sharp(stored).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 2, 4]);
    expect(meta.exif).toBeUndefined();
    expect(stored.includes(Buffer.from('TestCam'))).toBe(false);

    // The download is those bytes.
    const res = await download(customer, media.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(stored)).toBe(true);
  });

  it('serves a video by byte range, and whole with its ETag', async () => {
    const jobId = await assignedJob(technician);
    const mp4 = TEST_VIDEOS.mp4.bytes;
    const media = await uploaded(customer, jobId, 'video/mp4', mp4);
    expect(media.sha256).toBe(createHash('sha256').update(mp4).digest('hex'));

    const part = await download(technician, media.url, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${mp4.length}`);
    expect(part.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(mp4.subarray(100, 200)))).toBe(
      true,
    );
    const whole = await download(admin, media.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(Buffer.from(mp4))).toBe(true);
    const etag = whole.headers.get('etag')!;
    expect((await download(customer, media.url, { 'if-none-match': etag })).status).toBe(304);
    const past = await download(customer, media.url, { range: `bytes=${mp4.length}-` });
    expect(await refusal(past)).toMatchObject({
      status: 416,
      code: 'repair-media/range-not-satisfiable',
    });
  });

  it(`refuses the file after the ${MAX_FILES}th, keeping no copy of it`, async () => {
    const jobId = await assignedJob(technician);
    for (let i = 0; i < MAX_FILES; i++)
      await uploaded(customer, jobId, 'image/png', TEST_IMAGES.png.bytes);
    const objects = () => readdirSync(join(storageDir, 'repairs', jobId)).length;
    const before = objects();
    const eleventh = await upload(customer, jobId, 'image/png', TEST_IMAGES.png.bytes);
    expect(await refusal(eleventh)).toMatchObject({
      status: 409,
      code: 'repair-media/too-many',
      max: MAX_FILES,
    });
    expect((await list(customer, jobId)).data).toHaveLength(MAX_FILES);
    expect(objects()).toBe(before);
    const view = await t.api.GET('/repairs/{repairJobId}', {
      params: { path: { repairJobId: jobId } },
      headers: customer.headers,
    });
    expect(view.data?.mediaCount).toBe(MAX_FILES);
  });

  it('refuses a wrong type, a file too big and a fake photo or video, naming the problem', async () => {
    const jobId = await assignedJob(technician);
    expect(
      await refusal(await upload(customer, jobId, 'text/plain', Buffer.from('hello'))),
    ).toMatchObject({ status: 415, code: 'repair-media/unsupported-type' });
    expect(
      await refusal(await upload(customer, jobId, 'image/png', TEST_VIDEOS.mp4.bytes)),
    ).toMatchObject({
      status: 415,
      code: 'repair-media/unsupported-type',
      detectedType: 'video/mp4',
      detail: 'The body is video/mp4 but was sent as image/png',
    });
    expect(
      await refusal(
        await upload(customer, jobId, 'image/jpeg', Buffer.from('%PDF-1.7 not a photo')),
      ),
    ).toMatchObject({
      status: 415,
      code: 'repair-media/unsupported-type',
      declaredType: 'image/jpeg',
    });
    expect(
      await refusal(await upload(customer, jobId, 'image/png', pngOfSize(IMAGE_MAX_BYTES + 1))),
    ).toMatchObject({ status: 413, code: 'repair-media/too-large', maxBytes: IMAGE_MAX_BYTES });
    for (const fake of [NOT_MEDIA.truncatedJpeg, NOT_MEDIA.bareMp4Header])
      expect(
        await refusal(await upload(customer, jobId, fake.contentType, fake.bytes)),
      ).toMatchObject({ status: 422, code: 'media/undecodable' });
    expect((await list(customer, jobId)).data).toEqual([]);
    expect(
      (await sql(`SELECT 1 FROM repair_job_media WHERE repair_job_id = $1`, [jobId])).length,
    ).toBe(0);
  });

  it('lets the customer, the current technician and staff read; anyone else, a reassigned-away technician too, gets 404', async () => {
    const jobId = await assignedJob(technician);
    const media = await uploaded(customer, jobId, 'image/webp', TEST_IMAGES.webp.bytes);
    const stranger = await signInAs(t, 'customer');
    const otherTech = await hardwareTechnician(t);
    const reads = async (who: SignedIn) => [
      (await list(who, jobId)).response.status,
      (await download(who, media.url)).status,
    ];
    for (const who of [customer, technician, admin, ops])
      expect(await reads(who)).toEqual([200, 200]);
    for (const who of [stranger, otherTech]) expect(await reads(who)).toEqual([404, 404]);
    expect((await list(stranger, jobId)).error).toMatchObject({ code: 'repair-job/not-found' });
    // Only the customer attaches: a technician's or stranger's upload finds no job of theirs.
    for (const who of [technician, stranger])
      expect((await upload(who, jobId, 'image/png', TEST_IMAGES.png.bytes)).status).toBe(404);
    // Each view carries the count.
    const path = { params: { path: { repairJobId: jobId } } };
    const views = await Promise.all([
      t.api.GET('/repairs/{repairJobId}', { ...path, headers: customer.headers }),
      t.api.GET('/technician/repairs/{repairJobId}', { ...path, headers: technician.headers }),
      t.api.GET('/admin/repairs/{repairJobId}', { ...path, headers: admin.headers }),
    ]);
    expect(views.map((v) => v.data?.mediaCount)).toEqual([1, 1, 1]);

    const moved = await t.api.POST('/admin/repairs/{repairJobId}/reassign', {
      ...path,
      body: { technicianId: otherTech.userId, reason: 'The first technician fell ill' },
      headers: ops.headers,
    });
    expect(moved.data).toMatchObject({ technicianId: otherTech.userId });
    expect(await reads(technician)).toEqual([404, 404]);
    expect(await reads(otherTech)).toEqual([200, 200]);
  });

  it('refuses files for a cancelled job, whose files stay readable', async () => {
    const jobId = await assignedJob(technician);
    const media = await uploaded(customer, jobId, 'image/png', TEST_IMAGES.png.bytes);
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      params: { path: { repairJobId: jobId } },
      body: { reason: 'Fixed it myself' },
      headers: customer.headers,
    });
    expect(cancelled.data).toMatchObject({ status: 'cancelled' });
    expect(
      await refusal(await upload(customer, jobId, 'image/png', TEST_IMAGES.png.bytes)),
    ).toMatchObject({ status: 409, code: 'repair-media/job-closed', jobStatus: 'cancelled' });
    expect((await list(customer, jobId)).data?.map((m) => m.id)).toEqual([media.id]);
  });
});
