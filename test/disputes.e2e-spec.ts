/**
 * Returns and disputes against the Razorpay sandbox over HTTP, on real PostgreSQL: the return window,
 * evidence (types by magic bytes, size limits), parties only, the release waiting while a dispute is
 * open, and each resolution — release, full refund, partial refund — after which the order's escrow
 * is empty, the books balance, paid = dealer net + commission + GST + TCS + TDS + refunds, and the
 * gateway refunded exactly the refund.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { OrderCommands } from '../src/orders/order-commands.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { ObjectStorage } from '../src/storage/object-storage.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import type { TestApp } from './support/test-app.js';
import sharp from 'sharp';
import {
  hasGpsTag,
  jpegWithGps,
  NOT_MEDIA,
  TEST_IMAGES,
  TEST_VIDEOS,
} from './support/test-images.js';
import { withClient } from './support/test-database.js';
import {
  expectOrderSettled,
  payThroughSandbox,
  startSandboxApp,
  type SandboxApp,
} from './support/payments.js';

const MP4 = TEST_VIDEOS.mp4.bytes;
const WEBM = TEST_VIDEOS.webm.bytes;

describe('returns and disputes (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let dealer: SignedIn;
  let admin: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  const paidOrder = async (buyer: SignedIn, price: number): Promise<Order> => {
    await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    await payThroughSandbox(t, sandbox, buyer, order.id);
    return order;
  };
  /** Moves a sub-order on (the dealer's and carrier's steps are not under test here). */
  const setStatus = (subOrderId: string, status: string, deliveredHoursAgo?: number) =>
    sql(
      `UPDATE sub_orders SET status = $2, carrier = 'Delhivery', tracking_number = 'DLV-1',
         shipped_at = now() - interval '300 hours',
         delivered_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(hours => $3::int) END
       WHERE id = $1`,
      [subOrderId, status, deliveredHoursAgo ?? null],
    );
  const openDispute = (buyer: SignedIn, order: Order, kind: 'return' | 'dispute') =>
    t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/disputes', {
      params: { path: { orderId: order.id, subOrderId: order.subOrders[0]!.id } },
      body: { kind, reason: 'The screen flickers' },
      headers: buyer.headers,
    });
  const getDispute = (who: SignedIn, id: string) =>
    t.api.GET('/disputes/{id}', { params: { path: { id } }, headers: who.headers });
  const upload = (who: SignedIn, id: string, type: string, body: Uint8Array) =>
    fetch(`${t.baseUrl}/disputes/${id}/evidence`, {
      method: 'POST',
      headers: { authorization: who.headers.authorization, 'content-type': type },
      body,
    });
  const resolve = (
    id: string,
    body: {
      outcome: 'release' | 'full_refund' | 'partial_refund';
      refundPaise?: number;
      reason: string;
    },
  ) =>
    t.api.POST('/admin/disputes/{id}/resolve', {
      params: { path: { id } },
      body,
      headers: admin.headers,
    });
  const settle = async () => {
    await t.app.get(EscrowReleaseService).releaseDue();
    await t.app.get(RefundsService).processDue();
  };
  /** After settling: escrow empty, books balanced, the money identity, the gateway's refunds. */
  const assertSettled = (order: Order, expectedRefund: number) =>
    expectOrderSettled(t, admin, {
      orderId: order.id,
      paidPaise: order.totalPaise,
      refundedPaise: expectedRefund,
    });

  /** The buyer's order as the buyer sees it, and whether staff find it under `paymentStatus`. */
  const buyerView = async (buyer: SignedIn, order: Order) => {
    const { data } = await t.api.GET('/orders/{orderId}', {
      params: { path: { orderId: order.id } },
      headers: buyer.headers,
    });
    const listed = async (paymentStatus: 'paid' | 'partially_refunded' | 'refunded') =>
      (
        await t.api.GET('/admin/orders', {
          params: { query: { buyerId: buyer.userId, paymentStatus } },
          headers: admin.headers,
        })
      ).data!.items.map((o) => o.id);
    return {
      paymentStatus: data!.paymentStatus,
      refundedPaise: data!.refundedPaise,
      subOrderRefundedPaise: data!.subOrders[0]!.refundedPaise,
      listedAs: (
        await Promise.all(
          (['paid', 'partially_refunded', 'refunded'] as const).map(async (s) =>
            (await listed(s)).includes(order.id) ? [s] : [],
          ),
        )
      ).flat(),
    };
  };

  beforeAll(async () => {
    started = await startSandboxApp({
      env: {
        STORAGE_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'fixbazaar-disputes-')),
        DISPUTE_IMAGE_MAX_BYTES: '4096',
        DISPUTE_VIDEO_MAX_BYTES: '8192',
        DISPUTE_EVIDENCE_MAX: '4',
      },
    });
    ({ sandbox, t } = started);
    [dealer, admin] = await Promise.all([signInAs(t, 'dealer'), signInAs(t, 'admin')]);
  });
  afterAll(() => started?.close());

  it('opens only within the return window, for the buyer; the parties read it; the release waits', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await paidOrder(buyer, 60_000);
    const sub = order.subOrders[0]!;
    // Paid, not shipped: neither.
    expect((await openDispute(buyer, order, 'return')).error).toMatchObject({
      code: 'dispute/outside-window',
    });
    expect((await openDispute(buyer, order, 'dispute')).response.status).toBe(409);
    // Shipped: a dispute, not a return.
    await setStatus(sub.id, 'shipped');
    expect((await openDispute(buyer, order, 'return')).response.status).toBe(409);
    // Delivered beyond the window: neither.
    await setStatus(sub.id, 'delivered', 169);
    expect((await openDispute(buyer, order, 'return')).error).toMatchObject({
      code: 'dispute/outside-window',
    });
    expect((await openDispute(buyer, order, 'dispute')).response.status).toBe(409);
    // Within it: another buyer cannot; the buyer can, once.
    await setStatus(sub.id, 'delivered', 160);
    const stranger = await signInAs(t, 'customer');
    expect((await openDispute(stranger, order, 'return')).response.status).toBe(404);
    const opened = await openDispute(buyer, order, 'return');
    expect(opened.response.status).toBe(201);
    expect(opened.data).toMatchObject({ kind: 'return', status: 'open', dealerId: dealer.userId });
    expect((await openDispute(buyer, order, 'dispute')).error).toMatchObject({
      code: 'dispute/already-open',
    });
    const id = opened.data!.id;
    expect((await sql(`SELECT status FROM sub_orders WHERE id = $1`, [sub.id]))[0]).toEqual({
      status: 'return_requested',
    });
    // Parties only.
    const otherDealer = await signInAs(t, 'dealer');
    expect((await getDispute(stranger, id)).response.status).toBe(404);
    expect((await getDispute(otherDealer, id)).response.status).toBe(404);
    expect((await getDispute(buyer, id)).response.status).toBe(200);
    expect((await getDispute(admin, id)).response.status).toBe(200);
    // Its parties list it (by order too): the buyer and the part's dealer; another buyer or dealer
    // none of them.
    const mine = async (who: SignedIn, orderId?: string) =>
      (
        await t.api.GET('/disputes', {
          params: { query: orderId ? { orderId } : {} },
          headers: who.headers,
        })
      ).data!.items.map((d) => d.id);
    expect(await mine(buyer)).toEqual([id]);
    expect(await mine(buyer, order.id)).toEqual([id]);
    expect(await mine(dealer, order.id)).toEqual([id]);
    expect(await mine(stranger)).toEqual([]);
    expect(await mine(stranger, order.id)).toEqual([]);
    expect(await mine(otherDealer, order.id)).toEqual([]);
    const respond = (who: SignedIn) =>
      t.api.POST('/dealer/disputes/{id}/respond', {
        params: { path: { id } },
        body: { message: 'Tested before dispatch' },
        headers: who.headers,
      });
    expect((await respond(otherDealer)).response.status).toBe(404);
    const responded = await respond(dealer);
    expect(responded.data).toMatchObject({
      status: 'responded',
      dealerResponse: 'Tested before dispatch',
    });
    const listed = await t.api.GET('/admin/disputes', {
      params: { query: { status: ['responded'] } },
      headers: admin.headers,
    });
    expect(listed.data!.items.map((d) => d.id)).toContain(id);
    // By its subject and its order: among the parts' disputes, not the repairs'.
    const ofOrder = async (subject?: 'order' | 'repair') =>
      (
        await t.api.GET('/admin/disputes', {
          params: { query: { orderId: order.id, ...(subject ? { subject } : {}) } },
          headers: admin.headers,
        })
      ).data!.items.map((d) => d.id);
    expect(await ofOrder()).toEqual([id]);
    expect(await ofOrder('order')).toEqual([id]);
    expect(await ofOrder('repair')).toEqual([]);
    // Answered, it leaves the `open` filter; every unresolved one is `open` and `responded`, asked
    // for as a repeated or a comma-separated parameter.
    const idsOf = async (status: ('open' | 'responded' | 'resolved')[]) =>
      (
        await t.api.GET('/admin/disputes', {
          params: { query: { status, limit: 100 } },
          headers: admin.headers,
        })
      ).data!.items.map((d) => d.id);
    expect(await idsOf(['open'])).not.toContain(id);
    expect(await idsOf(['resolved'])).not.toContain(id);
    expect(await idsOf(['open', 'responded'])).toContain(id);
    const comma = await fetch(`${t.baseUrl}/admin/disputes?status=open,responded&limit=100`, {
      headers: admin.headers,
    });
    expect(((await comma.json()) as { items: { id: string }[] }).items.map((d) => d.id)).toContain(
      id,
    );
    const bad = await fetch(`${t.baseUrl}/admin/disputes?status=open,answered`, {
      headers: admin.headers,
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: 'request/validation-failed',
      errors: [{ field: 'status' }],
    });
    // The window passes while the return is open: nothing completes, nothing is released.
    await sql(`UPDATE sub_orders SET delivered_at = now() - interval '400 hours' WHERE id = $1`, [
      sub.id,
    ]);
    await t.app.get(OrderCommands).completeDelivered(168 * 3600);
    await settle();
    expect(
      (await sql(`SELECT status FROM escrow_holds WHERE sub_order_id = $1`, [sub.id]))[0],
    ).toEqual({
      status: 'held',
    });
    // Release: the dealer gets everything (less deductions); nothing refunded.
    const resolved = await resolve(id, { outcome: 'release', reason: 'Works as described' });
    expect(resolved.data).toMatchObject({ status: 'resolved', resolution: 'release' });
    expect(await idsOf(['resolved'])).toContain(id);
    expect(await idsOf(['open', 'responded'])).not.toContain(id);
    expect((await resolve(id, { outcome: 'release', reason: 'again' })).response.status).toBe(409);
    const [audit] = await sql(
      `SELECT action FROM audit_events WHERE target_id = $1 AND action = 'dispute.resolve'`,
      [id],
    );
    expect(audit).toEqual({ action: 'dispute.resolve' });
    await settle();
    await assertSettled(order, 0);
    expect(await buyerView(buyer, order)).toEqual({
      paymentStatus: 'paid',
      refundedPaise: 0,
      subOrderRefundedPaise: 0,
      listedAs: ['paid'],
    });
  });

  it('takes photos and videos by their bytes, within the size limits, from the parties only', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await paidOrder(buyer, 60_000);
    await setStatus(order.subOrders[0]!.id, 'shipped');
    const id = (await openDispute(buyer, order, 'dispute')).data!.id;
    expect((await upload(buyer, id, 'image/png', TEST_IMAGES.png.bytes)).status).toBe(201);
    expect((await upload(buyer, id, 'video/mp4', MP4)).status).toBe(201);
    expect((await upload(dealer, id, 'video/webm', WEBM)).status).toBe(201);
    // The bytes decide: a PNG sent as JPEG, text sent as a video.
    const wrong = await upload(buyer, id, 'image/jpeg', TEST_IMAGES.png.bytes);
    expect(wrong.status).toBe(415);
    expect(await wrong.json()).toMatchObject({ code: 'dispute-evidence/unsupported-type' });
    expect((await upload(buyer, id, 'video/mp4', Buffer.from('not a video at all'))).status).toBe(
      415,
    );
    // Too large (photo 4096, video 8192).
    const bigPhoto = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(5000)]);
    const big = await upload(buyer, id, 'image/jpeg', bigPhoto);
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'dispute-evidence/too-large' });
    expect(
      (await upload(buyer, id, 'video/mp4', Buffer.concat([MP4, Buffer.alloc(9000)]))).status,
    ).toBe(413);
    // Strangers: 404.
    expect((await upload(await signInAs(t, 'dealer'), id, 'video/mp4', MP4)).status).toBe(404);
    const dispute = (await getDispute(dealer, id)).data!;
    expect(dispute.evidence.map((e) => [e.contentType, e.role])).toEqual([
      ['image/png', 'buyer'],
      ['video/mp4', 'buyer'],
      ['video/webm', 'dealer'],
    ]);
    // The listing image upload still works beside the evidence parser.
    const listingId = await activeListing(t, dealer.userId, { b2cPricePaise: 10_000 });
    const image = await fetch(`${t.baseUrl}/dealer/listings/${listingId}/images`, {
      method: 'POST',
      headers: { authorization: dealer.headers.authorization, 'content-type': 'image/png' },
      body: TEST_IMAGES.png.bytes,
    });
    expect(image.status).toBe(201);
  });

  it('reads every file whole: a bare or broken photo or video is 422 and stores nothing', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await paidOrder(buyer, 60_000);
    await setStatus(order.subOrders[0]!.id, 'shipped');
    const id = (await openDispute(buyer, order, 'dispute')).data!.id;
    for (const file of Object.values(NOT_MEDIA)) {
      const res = await upload(buyer, id, file.contentType, file.bytes);
      expect([file.contentType, res.status]).toEqual([file.contentType, 422]);
      expect(await res.json()).toMatchObject({ code: 'media/undecodable' });
    }
    const junk = Buffer.concat([MP4, Buffer.from('junk')]);
    expect((await upload(buyer, id, 'video/mp4', junk)).status).toBe(422);
    expect((await getDispute(buyer, id)).data!.evidence).toEqual([]);
    expect(await sql(`SELECT 1 FROM dispute_evidence WHERE dispute_id = $1`, [id])).toEqual([]);
  });

  it('stores a photo upright and without its EXIF (GPS included)', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await paidOrder(buyer, 60_000);
    await setStatus(order.subOrders[0]!.id, 'shipped');
    const id = (await openDispute(buyer, order, 'dispute')).data!.id;
    const photo = await jpegWithGps(4, 2);
    expect(hasGpsTag((await sharp(photo).metadata()).exif)).toBe(true);
    expect((await upload(buyer, id, 'image/jpeg', photo)).status).toBe(201);
    const [evidence] = (await getDispute(buyer, id)).data!.evidence;
    const res = await fetch(`${t.baseUrl}${evidence!.url}`, { headers: buyer.headers });
    expect(res.status).toBe(200);
    const stored = Buffer.from(await res.arrayBuffer());
    expect(stored.length).toBe(evidence!.byteSize);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(evidence!.sha256);
    const meta = await sharp(stored).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 2, height: 4 });
    expect([meta.exif, meta.xmp, meta.orientation]).toEqual([undefined, undefined, undefined]);
  });

  it('resolves with a full refund: the whole hold goes back, the books balance', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await paidOrder(buyer, 118_000);
    await setStatus(order.subOrders[0]!.id, 'delivered', 2);
    const id = (await openDispute(buyer, order, 'dispute')).data!.id;
    expect(
      (await resolve(id, { outcome: 'full_refund', refundPaise: 5, reason: 'x' })).response.status,
    ).toBe(422);
    expect(
      (await resolve(id, { outcome: 'full_refund', reason: 'Wrong part sent' })).data,
    ).toMatchObject({
      resolution: 'full_refund',
    });
    await settle();
    await assertSettled(order, order.totalPaise);
    // The buyer's order says so: refunded in full.
    expect(await buyerView(buyer, order)).toEqual({
      paymentStatus: 'refunded',
      refundedPaise: order.totalPaise,
      subOrderRefundedPaise: order.totalPaise,
      listedAs: ['refunded'],
    });
  });

  it('resolves with a partial refund: released less the refund, refunded once through the gateway', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await paidOrder(buyer, 118_000);
    const sub = order.subOrders[0]!;
    await setStatus(sub.id, 'delivered', 2);
    const id = (await openDispute(buyer, order, 'return')).data!.id;
    expect(
      (await resolve(id, { outcome: 'partial_refund', refundPaise: order.totalPaise, reason: 'x' }))
        .response.status,
    ).toBe(422);
    expect((await resolve(id, { outcome: 'partial_refund', reason: 'x' })).response.status).toBe(
      422,
    );
    const ok = await resolve(id, {
      outcome: 'partial_refund',
      refundPaise: 18_000,
      reason: 'Scratched',
    });
    expect(ok.data).toMatchObject({ resolution: 'partial_refund', refundPaise: 18_000 });
    // Resolved, but the refund has not reached the buyer yet: still paid.
    expect(await buyerView(buyer, order)).toMatchObject({
      paymentStatus: 'paid',
      refundedPaise: 0,
    });
    await settle();
    await settle();
    expect(await buyerView(buyer, order)).toEqual({
      paymentStatus: 'partially_refunded',
      refundedPaise: 18_000,
      subOrderRefundedPaise: 18_000,
      listedAs: ['partially_refunded'],
    });
    // Vector 05: held 118000, refund 18000 → R 100000: commission 8000, GST 1440, TCS 424, TDS 100, net 90036.
    const [hold] = await sql(
      `SELECT status, commission_paise::int AS c, gst_on_commission_paise::int AS g, tcs_paise::int AS tcs,
              tds_paise::int AS tds, dealer_net_paise::int AS net FROM escrow_holds WHERE sub_order_id = $1`,
      [sub.id],
    );
    expect(order.totalPaise).toBe(118_000);
    expect(hold).toEqual({ status: 'released', c: 8000, g: 1440, tcs: 424, tds: 100, net: 90036 });
    const refunds = await sql(
      `SELECT kind, amount_paise::int AS amount, status FROM refunds WHERE order_id = $1`,
      [order.id],
    );
    expect(refunds).toEqual([{ kind: 'partial', amount: 18_000, status: 'processed' }]);
    // One ledger refund entry, the release's.
    const entries = await sql(
      `SELECT id AS key FROM ledger_entries WHERE reference = $1 AND id LIKE 'refund:%'`,
      [`order:${order.id}`],
    );
    expect(entries).toEqual([{ key: `refund:${sub.id}` }]);
    await assertSettled(order, 18_000);
  });

  it('lets the parties download evidence byte for byte, with its ETag, 304 and byte ranges; no one else', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await paidOrder(buyer, 60_000);
    await setStatus(order.subOrders[0]!.id, 'shipped');
    const id = (await openDispute(buyer, order, 'dispute')).data!.id;
    // A real MP4 of SIZE bytes, stored as sent.
    const video = MP4;
    const SIZE = video.length;
    expect((await upload(buyer, id, 'video/mp4', video)).status).toBe(201);
    expect((await upload(dealer, id, 'image/png', TEST_IMAGES.png.bytes)).status).toBe(201);
    const [mp4, png] = (await getDispute(buyer, id)).data!.evidence;
    expect(mp4!.url).toBe(`/disputes/${id}/evidence/${mp4!.id}`);
    expect(mp4!.sha256).toBe(createHash('sha256').update(video).digest('hex'));
    const etag = `"${mp4!.sha256}"`;

    type Conditions = { range?: string; 'if-range'?: string; 'if-none-match'?: string };
    const download = async (
      who: SignedIn,
      evidenceId: string,
      header: Conditions = {},
      disputeId = id,
    ) => {
      const { data, error, response } = await t.api.GET('/disputes/{id}/evidence/{evidenceId}', {
        params: { path: { id: disputeId, evidenceId }, header },
        headers: who.headers,
        parseAs: 'arrayBuffer',
      });
      const h = (name: string) => response.headers.get(name);
      return {
        status: response.status,
        bytes: data === undefined ? null : Buffer.from(data as unknown as ArrayBuffer),
        error: error as { code?: string; byteSize?: number } | undefined,
        h,
      };
    };

    // The buyer, the dealer and staff (also read-only compliance) get the same bytes and headers.
    const compliance = await signInAs(t, 'compliance');
    for (const who of [buyer, dealer, admin, compliance]) {
      const got = await download(who, mp4!.id);
      expect(got.status).toBe(200);
      expect(got.bytes!.equals(video)).toBe(true);
      expect({
        type: got.h('content-type'),
        length: got.h('content-length'),
        etag: got.h('etag'),
        cache: got.h('cache-control'),
        nosniff: got.h('x-content-type-options'),
        disposition: got.h('content-disposition'),
        ranges: got.h('accept-ranges'),
      }).toEqual({
        type: 'video/mp4',
        length: String(SIZE),
        etag,
        cache: 'private, max-age=3600',
        nosniff: 'nosniff',
        disposition: `inline; filename="evidence-${mp4!.id}.mp4"`,
        ranges: 'bytes',
      });
    }
    const photo = await download(compliance, png!.id);
    expect(photo.status).toBe(200);
    // A photo is stored re-encoded: the bytes of its recorded hash, the same image.
    expect(createHash('sha256').update(photo.bytes!).digest('hex')).toBe(png!.sha256);
    expect(await sharp(photo.bytes!).metadata()).toMatchObject({
      format: 'png',
      width: 5,
      height: 4,
    });
    expect(photo.h('content-type')).toBe('image/png');
    expect(photo.h('etag')).toBe(`"${png!.sha256}"`);
    expect(photo.h('content-disposition')).toBe(`inline; filename="evidence-${png!.id}.png"`);

    // Anyone else: 404 as for the dispute itself, with nothing of the file.
    const stranger = await signInAs(t, 'customer');
    const otherDealer = await signInAs(t, 'dealer');
    for (const who of [stranger, otherDealer]) {
      const refused = await download(who, mp4!.id);
      expect([refused.status, refused.error?.code]).toEqual([404, 'dispute/not-found']);
      expect(refused.h('etag')).toBeNull();
    }
    expect((await download(buyer, randomUUID())).error?.code).toBe('dispute-evidence/not-found');
    // Evidence of this dispute through another dispute its caller may read: 404.
    const strangerOrder = await paidOrder(stranger, 60_000);
    await setStatus(strangerOrder.subOrders[0]!.id, 'shipped');
    const strangerDispute = (await openDispute(stranger, strangerOrder, 'dispute')).data!.id;
    const across = await download(stranger, mp4!.id, {}, strangerDispute);
    expect([across.status, across.error?.code]).toEqual([404, 'dispute-evidence/not-found']);

    // If-None-Match with the ETag (or its weak form, or in a list): 304, no body.
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const cached = await download(admin, mp4!.id, { 'if-none-match': tag });
      expect(cached.status).toBe(304);
      expect(cached.h('etag')).toBe(etag);
      expect(cached.bytes?.length ?? 0).toBe(0);
    }
    expect((await download(admin, mp4!.id, { 'if-none-match': '"other"' })).status).toBe(200);

    // Single byte ranges: 206 with exactly those bytes.
    const ranges: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=100-100', 100, 100],
      [`bytes=${SIZE - 12}-`, SIZE - 12, SIZE - 1],
      ['bytes=-12', SIZE - 12, SIZE - 1],
      ['bytes=400-9999', 400, SIZE - 1],
    ];
    for (const [range, start, end] of ranges) {
      const part = await download(buyer, mp4!.id, { range });
      expect([range, part.status, part.h('content-range'), part.h('content-length')]).toEqual([
        range,
        206,
        `bytes ${start}-${end}/${SIZE}`,
        String(end - start + 1),
      ]);
      expect(part.bytes!.equals(video.subarray(start, end + 1))).toBe(true);
      expect(part.h('content-type')).toBe('video/mp4');
      expect(part.h('etag')).toBe(etag);
    }
    // If-Range: the range only for the current ETag; otherwise the whole file.
    expect((await download(buyer, mp4!.id, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(
      206,
    );
    const stale = await download(dealer, mp4!.id, { range: 'bytes=0-9', 'if-range': '"old"' });
    expect([stale.status, stale.bytes!.equals(video)]).toEqual([200, true]);
    // Several ranges: the whole file.
    const several = await download(dealer, mp4!.id, { range: 'bytes=0-9,20-29' });
    expect([several.status, several.bytes!.equals(video)]).toEqual([200, true]);
    // Past the end: 416 with the size.
    for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 88}-${SIZE + 188}`, 'bytes=-0']) {
      const beyond = await download(buyer, mp4!.id, { range });
      expect([beyond.status, beyond.h('content-range'), beyond.error?.code]).toEqual([
        416,
        `bytes */${SIZE}`,
        'dispute-evidence/range-not-satisfiable',
      ]);
      expect(beyond.error?.byteSize).toBe(SIZE);
    }
    // A stranger's range request is still a 404, not a 416.
    expect((await download(stranger, mp4!.id, { range: 'bytes=9999-' })).status).toBe(404);

    // The store does not answer: 503 like the upload, without the file's caching headers.
    const storage = t.app.get(ObjectStorage);
    const patched = storage as unknown as { get: ObjectStorage['get'] };
    patched.get = () => Promise.reject(new Error('connection refused'));
    try {
      const down = await download(buyer, mp4!.id, { range: 'bytes=0-9' });
      expect([down.status, down.error?.code, down.h('retry-after')]).toEqual([
        503,
        'storage/unavailable',
        '5',
      ]);
      expect(down.h('etag')).toBeNull();
      expect(down.h('cache-control')).toBeNull();
    } finally {
      delete (patched as Partial<typeof patched>).get;
    }
    expect((await download(buyer, mp4!.id)).status).toBe(200);
  });

  it('moves through its state machine: each move writes a dispute_history row; a resolved dispute refuses with 409 dispute/resolved', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await paidOrder(buyer, 54_000);
    await setStatus(order.subOrders[0]!.id, 'delivered', 2);
    const id = (await openDispute(buyer, order, 'return')).data!.id;
    const respond = (message: string) =>
      t.api.POST('/dealer/disputes/{id}/respond', {
        params: { path: { id } },
        body: { message },
        headers: dealer.headers,
      });
    const history = () =>
      sql<{
        event: string;
        from_status: string;
        to_status: string;
        actor_id: string;
        actor_role: string;
        reason: string | null;
      }>(
        `SELECT event, from_status, to_status, actor_id::text AS actor_id, actor_role, reason
         FROM dispute_history WHERE dispute_id = $1 ORDER BY id`,
        [id],
      );
    expect((await respond('Tested before dispatch')).data).toMatchObject({ status: 'responded' });
    // Answering again keeps the latest answer (responded → responded).
    expect((await respond('Here is the test video')).data).toMatchObject({
      status: 'responded',
      dealerResponse: 'Here is the test video',
    });
    expect((await resolve(id, { outcome: 'release', reason: 'Works as sold' })).data).toMatchObject(
      {
        status: 'resolved',
        resolution: 'release',
      },
    );
    const moves = [
      {
        event: 'respond',
        from_status: 'open',
        to_status: 'responded',
        actor_id: dealer.userId,
        actor_role: 'dealer',
        reason: null,
      },
      {
        event: 'respond',
        from_status: 'responded',
        to_status: 'responded',
        actor_id: dealer.userId,
        actor_role: 'dealer',
        reason: null,
      },
      {
        event: 'resolve',
        from_status: 'responded',
        to_status: 'resolved',
        actor_id: admin.userId,
        actor_role: 'admin',
        reason: 'Works as sold',
      },
    ];
    expect(await history()).toEqual(moves);

    const late = await respond('One more thing');
    expect(late.response.status).toBe(409);
    expect(late.error).toMatchObject({ code: 'dispute/resolved', disputeStatus: 'resolved' });
    const again = await resolve(id, { outcome: 'full_refund', reason: 'Changed my mind' });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'dispute/resolved' });
    expect(await history()).toEqual(moves);
    // The history is append-only, for the owner too.
    await expect(
      sql(`UPDATE dispute_history SET reason = 'x' WHERE dispute_id = $1`, [id]),
    ).rejects.toThrow();

    await settle();
    await assertSettled(order, 0);
  });
});
