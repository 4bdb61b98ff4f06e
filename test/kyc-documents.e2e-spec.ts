/**
 * KYC documents over HTTP, on real PostgreSQL and the local-disk store: a pending dealer uploads its
 * GST certificate (stored re-encoded without its EXIF GPS position); a PDF is stored as sent and
 * downloaded as an attachment, a truncated, encrypted or active one refused with a problem naming
 * why; a new upload of a kind replaces the current one and keeps the old row; wrong types,
 * oversized and fake images refused with a problem naming them; customers and staff cannot upload
 * (403); another dealer sees none of it and is refused the staff routes as every `/admin` route
 * refuses it (403 `auth/forbidden`); staff who read the approval queue list and download, the rest
 * of staff are refused.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
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
import { pdfOf, TEST_PDFS } from './support/test-pdfs.js';

const MAX_BYTES = 4096;

interface Problem {
  code: string;
  detail: string;
  [k: string]: unknown;
}

interface KycDocument {
  id: string;
  userId: string;
  kind: string;
  contentType: string;
  byteSize: number;
  sha256: string;
  supersededAt: string | null;
  url: string;
}

describe('KYC documents', () => {
  let t: TestApp;
  let dealer: SignedIn;
  let admin: SignedIn;
  let ops: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  const upload = (who: SignedIn, kind: string, type: string, body: Uint8Array) =>
    fetch(`${t.baseUrl}/me/kyc-documents/${kind}`, {
      method: 'PUT',
      headers: { authorization: who.headers.authorization, 'content-type': type },
      body,
    });
  const uploaded = async (who: SignedIn, kind: string, type: string, body: Uint8Array) => {
    const res = await upload(who, kind, type, body);
    expect(res.status).toBe(200);
    return (await res.json()) as KycDocument;
  };
  const refusal = async (res: Response) => ({
    status: res.status,
    ...((await res.json()) as Problem),
  });
  const get = (who: SignedIn, path: string) =>
    fetch(`${t.baseUrl}${path}`, { headers: who.headers });
  const mine = async (who: SignedIn) => {
    const res = await get(who, '/me/kyc-documents');
    expect(res.status).toBe(200);
    return (await res.json()) as KycDocument[];
  };

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...QUIET_ENV,
        STORAGE_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'fixbazaar-kyc-')),
        KYC_DOCUMENT_MAX_BYTES: String(MAX_BYTES),
      },
    });
    [dealer, admin, ops] = await Promise.all([
      signInAs(t, 'dealer', { status: 'pending' }),
      signInAs(t, 'admin'),
      signInAs(t, 'ops_leader'),
    ]);
  });
  afterAll(() => t?.close());

  it('stores a pending dealer’s photo without its EXIF GPS position; staff download those bytes', async () => {
    const photo = await jpegWithGps(4, 2);
    expect(hasGpsTag((await sharp(photo).metadata()).exif)).toBe(true);
    const doc = await uploaded(dealer, 'gst_certificate', 'image/jpeg', photo);
    expect(doc).toMatchObject({
      userId: dealer.userId,
      kind: 'gst_certificate',
      contentType: 'image/jpeg',
      supersededAt: null,
    });

    const res = await get(admin, doc.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const stored = Buffer.from(await res.arrayBuffer());
    expect(stored.length).toBe(doc.byteSize);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(doc.sha256);
    const meta = await sharp(stored).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 2, 4]);
    expect(meta.exif).toBeUndefined();
    expect(stored.includes(Buffer.from('TestCam'))).toBe(false);
    expect((await get(ops, doc.url)).headers.get('etag') ?? '').toBe(`"${doc.sha256}"`);
  });

  it('stores a PDF as sent; staff download it as an attachment, never inline', async () => {
    const tech = await signInAs(t, 'technician', { status: 'pending', technicianKind: 'software' });
    const doc = await uploaded(tech, 'gst_certificate', 'application/pdf', TEST_PDFS.plain);
    expect(doc).toMatchObject({
      kind: 'gst_certificate',
      contentType: 'application/pdf',
      byteSize: TEST_PDFS.plain.length,
      sha256: createHash('sha256').update(TEST_PDFS.plain).digest('hex'),
    });
    const res = await get(admin, doc.url);
    expect(res.status).toBe(200);
    expect({
      type: res.headers.get('content-type'),
      disposition: res.headers.get('content-disposition'),
      nosniff: res.headers.get('x-content-type-options'),
    }).toEqual({
      type: 'application/pdf',
      disposition: `attachment; filename="gst_certificate-${doc.id}.pdf"`,
      nosniff: 'nosniff',
    });
    expect(Buffer.from(await res.arrayBuffer()).equals(TEST_PDFS.plain)).toBe(true);
    // A photo is still shown inline.
    const photo = await uploaded(tech, 'shop_photo', 'image/png', TEST_IMAGES.png.bytes);
    expect((await get(admin, photo.url)).headers.get('content-disposition')).toBe(
      `inline; filename="shop_photo-${photo.id}.png"`,
    );
  });

  it('refuses a truncated, encrypted or active PDF, naming why, and a PDF anywhere else', async () => {
    const business = await signInAs(t, 'business', { status: 'pending' });
    const pdf = (body: Uint8Array) => upload(business, 'pan_card', 'application/pdf', body);
    expect(await refusal(await pdf(TEST_PDFS.truncated))).toMatchObject({
      status: 422,
      code: 'media/undecodable',
      detail: expect.stringContaining('%%EOF') as string,
    });
    expect(await refusal(await pdf(TEST_PDFS.encrypted))).toMatchObject({
      status: 422,
      code: 'media/pdf-encrypted',
    });
    for (const [file, found] of [
      [TEST_PDFS.openActionScript, ['JS', 'JavaScript']],
      [TEST_PDFS.launch, ['Launch']],
      [TEST_PDFS.embeddedFile, ['EmbeddedFile', 'EmbeddedFiles']],
      [TEST_PDFS.escapedNames, ['JS', 'JavaScript']],
      [TEST_PDFS.scriptInObjectStream, ['JS', 'JavaScript']],
    ] as const)
      expect(await refusal(await pdf(file))).toMatchObject({
        status: 422,
        code: 'media/pdf-active-content',
        found,
      });
    // Not a PDF at all: the type is read from the bytes, as for photos.
    expect(await refusal(await pdf(TEST_IMAGES.jpeg.bytes))).toMatchObject({
      status: 415,
      code: 'kyc-document/unsupported-type',
      detectedType: 'image/jpeg',
    });
    expect(await refusal(await pdf(Buffer.from('GSTIN 29ABCDE1234F1Z5')))).toMatchObject({
      status: 415,
      code: 'kyc-document/unsupported-type',
      declaredType: 'application/pdf',
    });
    const big = pdfOf(['<< /Type /Catalog >>', `(${'x'.repeat(MAX_BYTES)})`]);
    expect(await refusal(await pdf(big))).toMatchObject({
      status: 413,
      code: 'kyc-document/too-large',
      maxBytes: MAX_BYTES,
    });
    expect(await mine(business)).toEqual([]);
    // Other routes take no PDF.
    const elsewhere = await fetch(`${t.baseUrl}/me`, {
      method: 'PATCH',
      headers: { authorization: business.headers.authorization, 'content-type': 'application/pdf' },
      body: TEST_PDFS.plain,
    });
    expect(await refusal(elsewhere)).toMatchObject({
      status: 415,
      code: 'request/unsupported-media-type',
    });
  });

  it('makes a new upload of a kind the current one, keeping the one it replaces', async () => {
    const tech = await signInAs(t, 'technician', { status: 'pending', technicianKind: 'hardware' });
    const first = await uploaded(tech, 'pan_card', 'image/png', TEST_IMAGES.png.bytes);
    const shop = await uploaded(tech, 'shop_photo', 'image/webp', TEST_IMAGES.webp.bytes);
    const second = await uploaded(tech, 'pan_card', 'image/jpeg', TEST_IMAGES.jpeg.bytes);

    const docs = await mine(tech);
    expect(docs.map((d) => [d.id, d.supersededAt === null])).toEqual([
      [second.id, true],
      [shop.id, true],
      [first.id, false],
    ]);
    const rows = await sql<{ id: string; current: boolean }>(
      `SELECT id::text, superseded_at IS NULL AS current FROM kyc_documents
        WHERE user_id = $1 AND kind = 'pan_card' ORDER BY uploaded_at`,
      [tech.userId],
    );
    expect(rows).toEqual([
      { id: first.id, current: false },
      { id: second.id, current: true },
    ]);
    // Staff see the same list, and the replaced file stays downloadable.
    const staffList = await get(admin, `/admin/approvals/${tech.userId}/documents`);
    expect(((await staffList.json()) as KycDocument[]).map((d) => d.id)).toEqual(
      docs.map((d) => d.id),
    );
    expect((await get(admin, first.url)).status).toBe(200);
  });

  it('refuses a wrong type, a file too big and a fake image, naming the problem', async () => {
    const business = await signInAs(t, 'business', { status: 'pending' });
    expect(
      await refusal(await upload(business, 'pan_card', 'text/plain', Buffer.from('hello'))),
    ).toMatchObject({ status: 415 });
    expect(
      await refusal(await upload(business, 'pan_card', 'image/png', TEST_IMAGES.jpeg.bytes)),
    ).toMatchObject({
      status: 415,
      code: 'kyc-document/unsupported-type',
      detectedType: 'image/jpeg',
    });
    expect(
      await refusal(await upload(business, 'pan_card', 'video/mp4', TEST_VIDEOS.mp4.bytes)),
    ).toMatchObject({ status: 415, code: 'request/unsupported-media-type' });
    expect(
      await refusal(
        await upload(business, 'pan_card', 'image/jpeg', Buffer.from('%PDF-1.7 not a photo')),
      ),
    ).toMatchObject({
      status: 415,
      code: 'kyc-document/unsupported-type',
      declaredType: 'image/jpeg',
    });
    expect(
      await refusal(await upload(business, 'pan_card', 'image/png', pngOfSize(MAX_BYTES + 1))),
    ).toMatchObject({ status: 413, code: 'kyc-document/too-large', maxBytes: MAX_BYTES });
    expect(
      await refusal(
        await upload(
          business,
          'pan_card',
          NOT_MEDIA.truncatedJpeg.contentType,
          NOT_MEDIA.truncatedJpeg.bytes,
        ),
      ),
    ).toMatchObject({ status: 422, code: 'media/undecodable' });
    expect(
      await refusal(await upload(business, 'passport', 'image/png', TEST_IMAGES.png.bytes)),
    ).toMatchObject({ status: 400 });
    expect(await mine(business)).toEqual([]);
    expect(await sql(`SELECT 1 FROM kyc_documents WHERE user_id = $1`, [business.userId])).toEqual(
      [],
    );
  });

  it('lets only applicants upload, and only staff who read the approval queue see them', async () => {
    const doc = await uploaded(dealer, 'shop_photo', 'image/png', TEST_IMAGES.png.bytes);
    const customer = await signInAs(t, 'customer');
    expect(
      await refusal(await upload(customer, 'shop_photo', 'image/png', TEST_IMAGES.png.bytes)),
    ).toMatchObject({ status: 403, code: 'auth/forbidden' });
    expect((await get(customer, '/me/kyc-documents')).status).toBe(403);
    expect((await upload(admin, 'shop_photo', 'image/png', TEST_IMAGES.png.bytes)).status).toBe(
      403,
    );

    // Another dealer: its own list is its own, and the staff routes refuse it as every `/admin`
    // route does (the approval queue, an account's detail): 403, not a 404 hiding them.
    const other = await signInAs(t, 'dealer');
    expect(await mine(other)).toEqual([]);
    for (const path of [
      `/admin/approvals/${dealer.userId}/documents`,
      doc.url,
      '/admin/approvals',
      `/admin/users/${dealer.userId}`,
    ])
      expect({ path, ...(await refusal(await get(other, path))) }).toMatchObject({
        path,
        status: 403,
        code: 'auth/forbidden',
      });
    // Staff outside the approval queue are refused too.
    for (const role of ['finance', 'compliance', 'cfo'] as const) {
      const staff = await signInAs(t, role);
      expect((await get(staff, doc.url)).status).toBe(403);
    }
    // A document id under another applicant, or an account that applies for nothing: 404.
    const tech = await signInAs(t, 'technician', { technicianKind: 'software' });
    expect(
      await refusal(await get(admin, `/admin/approvals/${tech.userId}/documents/${doc.id}`)),
    ).toMatchObject({ status: 404, code: 'kyc-document/not-found' });
    expect(
      await refusal(await get(admin, `/admin/approvals/${customer.userId}/documents`)),
    ).toMatchObject({ status: 404, code: 'kyc-document/applicant-not-found' });
    const listed = (await (
      await get(ops, `/admin/approvals/${dealer.userId}/documents`)
    ).json()) as KycDocument[];
    expect(listed.map((d) => d.kind).sort()).toEqual(['gst_certificate', 'shop_photo']);
  });
});
