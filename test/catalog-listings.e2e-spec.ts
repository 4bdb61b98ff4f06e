/**
 * Dealer listing management and moderation through the typed client, checked against the database:
 * pricing rules (each refusal changes nothing), the price-jump hold, the state machine, first-listing
 * review, near-duplicate flags, stock with movements, dealer isolation and audited moderation.
 */
import { randomUUID } from 'node:crypto';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import type { components } from './support/api-types.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

type CreateBody = components['schemas']['CreateListingDto'];
type Listing = components['schemas']['ListingDto'];

let seq = 0;
const NAMES = [
  'Redmi Note 10 Battery',
  'Galaxy M31 Display Assembly',
  'Vivo Y20 Charging Port Flex',
  'Oppo A5 Rear Camera',
  'Realme 7 Loudspeaker',
  'OnePlus Nord Back Glass',
  'Poco X3 SIM Tray',
  'Moto G60 Vibration Motor',
];

const body = (over: Partial<CreateBody> = {}): CreateBody => {
  const i = seq++;
  return {
    sku: `SKU-${i}`,
    name: NAMES[i % NAMES.length]!,
    category: 'battery',
    brand: 'Generic',
    compatibleModels: [`Model ${i}`],
    condition: 'new',
    hsnCode: '85076000',
    gstRateBps: 1800,
    mrpPaise: 100_000,
    b2cPricePaise: 90_000,
    b2bPricePaise: 80_000,
    ...over,
  };
};

describe('dealer listings and moderation', () => {
  let t: TestApp;
  let dealer: SignedIn;
  let other: SignedIn;
  let pending: SignedIn;
  let admin: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const rowOf = async (id: string) =>
    (
      await sql<{ status: string; mrp_paise: string; b2c_price_paise: string; version: number }>(
        `SELECT status, mrp_paise::text, b2c_price_paise::text, version, stock_on_hand,
           pending_price, duplicate_of::text, paused_by FROM listings WHERE id = $1`,
        [id],
      )
    )[0]!;
  const count = async (table: string, id: string) =>
    Number(
      (
        await sql<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE listing_id = $1`, [
          id,
        ])
      )[0]!.n,
    );

  const create = async (who: SignedIn, over: Partial<CreateBody> = {}): Promise<Listing> => {
    const { data, response } = await t.api.POST('/dealer/listings', {
      body: body(over),
      headers: who.headers,
    });
    expect(response.status).toBe(201);
    return data!;
  };
  const path = (listingId: string) => ({ params: { path: { listingId } } });
  const submit = (who: SignedIn, id: string) =>
    t.api.POST('/dealer/listings/{listingId}/submit', { ...path(id), headers: who.headers });
  const approve = (id: string) =>
    t.api.POST('/admin/listings/{listingId}/approve', {
      ...path(id),
      body: {},
      headers: admin.headers,
    });

  beforeAll(async () => {
    t = await startTestApp({ env: { ...QUIET_ENV, CATALOG_REVIEW_FIRST_LISTINGS: '2' } });
    [dealer, other, pending, admin] = await Promise.all([
      signInAs(t, 'dealer'),
      signInAs(t, 'dealer'),
      signInAs(t, 'dealer', { status: 'pending' }),
      signInAs(t, 'admin'),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a draft with search text, a status row and a live price row', async () => {
    const l = await create(dealer, {
      name: 'iPhone 13  Display',
      brand: 'Apple',
      compatibleModels: ['iPhone 13', 'iphone 13', 'iPhone 13 Pro'],
      category: 'display',
      sku: 'IP13-DSP',
      stockOnHand: 4,
    });
    expect(l).toMatchObject({
      status: 'draft',
      compatibleModels: ['iPhone 13', 'iPhone 13 Pro'],
      stockOnHand: 4,
    });
    const [r] = await sql<{ search_text: string }>(
      `SELECT search_text FROM listings WHERE id = $1`,
      [l.id],
    );
    expect(r!.search_text).toBe('iphone 13 display apple iphone 13 iphone 13 pro display ip13-dsp');
    expect(await count('listing_status_history', l.id)).toBe(1);
    expect(await count('listing_price_history', l.id)).toBe(1);
    expect(await count('stock_movements', l.id)).toBe(1);
    expect((await rowOf(l.id)) as unknown).toMatchObject({ stock_on_hand: 4 });
  });

  it('refuses each broken pricing rule with its code and stores nothing', async () => {
    const before = (await sql<{ n: string }>(`SELECT count(*)::text AS n FROM listings`))[0]!.n;
    const cases: [Partial<CreateBody>, number, string][] = [
      [{ b2cPricePaise: 100_001 }, 422, 'listing/b2c-above-mrp'],
      [{ b2bPricePaise: 90_001 }, 422, 'listing/b2b-above-b2c'],
      [{ b2bMinQty: 5, tiers: [{ minQty: 5, pricePaise: 70_000 }] }, 422, 'listing/invalid-tiers'],
      [{ tiers: [{ minQty: 10, pricePaise: 80_001 }] }, 422, 'listing/invalid-tiers'],
      [
        {
          tiers: [
            { minQty: 10, pricePaise: 70_000 },
            { minQty: 20, pricePaise: 75_000 },
          ],
        },
        422,
        'listing/invalid-tiers',
      ],
      [{ b2bMinQty: 0 }, 400, 'request/validation-failed'],
      [{ mrpPaise: 0 }, 400, 'request/validation-failed'],
      [{ sku: '-bad sku' }, 400, 'request/validation-failed'],
      [{ hsnCode: '12345' }, 400, 'request/validation-failed'],
      [{ gstRateBps: 1000 as 1800 }, 400, 'request/validation-failed'],
      [{ compatibleModels: [] }, 400, 'request/validation-failed'],
    ];
    for (const [over, status, code] of cases) {
      const { error, response } = await t.api.POST('/dealer/listings', {
        body: body(over),
        headers: dealer.headers,
      });
      expect([response.status, (error as { code: string }).code]).toEqual([status, code]);
    }
    const sku = await create(dealer, { sku: 'DUP-SKU' });
    const again = await t.api.POST('/dealer/listings', {
      body: body({ sku: 'DUP-SKU' }),
      headers: dealer.headers,
    });
    expect(again.response.status).toBe(409);
    expect((again.error as { code: string }).code).toBe('listing/sku-taken');
    const after = (await sql<{ n: string }>(`SELECT count(*)::text AS n FROM listings`))[0]!.n;
    expect(Number(after)).toBe(Number(before) + 1);
    expect(sku.sku).toBe('DUP-SKU');
  });

  it('sends a new dealer’s first listings to review, then lets later ones go live', async () => {
    const fresh = await signInAs(t, 'dealer');
    const a = await create(fresh);
    const b = await create(fresh);
    const c = await create(fresh);
    expect((await submit(fresh, a.id)).data!.status).toBe('in_review');
    expect((await approve(a.id)).data!.status).toBe('active');
    expect((await submit(fresh, b.id)).data!.status).toBe('in_review');
    // Rejection needs a reason and sends it back to draft.
    const noReason = await t.api.POST('/admin/listings/{listingId}/reject', {
      ...path(b.id),
      body: { reason: '' },
      headers: admin.headers,
    });
    expect(noReason.response.status).toBe(400);
    const rejected = await t.api.POST('/admin/listings/{listingId}/reject', {
      ...path(b.id),
      body: { reason: 'photos missing' },
      headers: admin.headers,
    });
    expect(rejected.data).toMatchObject({ status: 'draft', statusReason: 'photos missing' });
    expect((await submit(fresh, b.id)).data!.status).toBe('in_review');
    expect((await approve(b.id)).data!.status).toBe('active');
    // Two activated: the third goes live directly.
    expect((await submit(fresh, c.id)).data!.status).toBe('active');
    const audit = await sql<{ action: string; reason: string | null }>(
      `SELECT action, reason FROM audit_events WHERE target_type = 'listing' AND target_id = ANY($1) ORDER BY seq`,
      [[a.id, b.id]],
    );
    expect(audit.map((e) => e.action)).toEqual([
      'listing.review.approve',
      'listing.review.reject',
      'listing.review.approve',
    ]);
    expect(audit[1]!.reason).toBe('photos missing');
  });

  it('walks the state machine and refuses transitions it does not declare (409, nothing changes)', async () => {
    const l = await create(dealer);
    const pauseDraft = await t.api.POST('/dealer/listings/{listingId}/pause', {
      ...path(l.id),
      headers: dealer.headers,
    });
    expect(pauseDraft.response.status).toBe(409);
    expect((pauseDraft.error as { code: string }).code).toBe('listing/invalid-transition');
    expect((await rowOf(l.id)).status).toBe('draft');
    await submit(dealer, l.id);
    if ((await rowOf(l.id)).status === 'in_review') await approve(l.id);
    expect((await rowOf(l.id)).status).toBe('active');
    const again = await submit(dealer, l.id);
    expect(again.response.status).toBe(409);
    const paused = await t.api.POST('/dealer/listings/{listingId}/pause', {
      ...path(l.id),
      headers: dealer.headers,
    });
    expect(paused.data).toMatchObject({ status: 'paused', pausedBy: 'dealer' });
    const resumed = await t.api.POST('/dealer/listings/{listingId}/resume', {
      ...path(l.id),
      headers: dealer.headers,
    });
    expect(resumed.data!.status).toBe('active');
    // Admin pause: the dealer cannot lift it.
    const adminPause = await t.api.POST('/admin/listings/{listingId}/pause', {
      ...path(l.id),
      body: { reason: 'counterfeit complaints' },
      headers: admin.headers,
    });
    expect(adminPause.data).toMatchObject({ status: 'paused', pausedBy: 'admin' });
    const v = (await rowOf(l.id)).version;
    const blocked = await t.api.POST('/dealer/listings/{listingId}/resume', {
      ...path(l.id),
      headers: dealer.headers,
    });
    expect(blocked.response.status).toBe(409);
    expect((blocked.error as { code: string }).code).toBe('listing/invalid-transition');
    expect((await rowOf(l.id)).version).toBe(v);
    const removed = await t.api.POST('/admin/listings/{listingId}/remove', {
      ...path(l.id),
      body: { reason: 'confirmed counterfeit' },
      headers: admin.headers,
    });
    expect(removed.data!.status).toBe('removed');
    const reinstate = await t.api.POST('/admin/listings/{listingId}/reinstate', {
      ...path(l.id),
      body: { reason: 'oops' },
      headers: admin.headers,
    });
    expect(reinstate.response.status).toBe(409);
    const { data: detail } = await t.api.GET('/admin/listings/{listingId}', {
      ...path(l.id),
      headers: admin.headers,
    });
    expect(detail!.statusHistory.map((h) => h.toStatus)).toEqual(
      expect.arrayContaining(['draft', 'active', 'paused', 'removed']),
    );
    expect(detail!.statusHistory.at(-1)).toMatchObject({
      toStatus: 'removed',
      reason: 'confirmed counterfeit',
      actorRole: 'admin',
    });
    const audit = await sql<{ action: string }>(
      `SELECT action FROM audit_events WHERE target_type = 'listing' AND target_id = $1 ORDER BY seq`,
      [l.id],
    );
    expect(audit.map((e) => e.action).slice(-2)).toEqual(['listing.pause', 'listing.remove']);
  });

  it('holds a price jump for review, lets decreases go live, and audits the decision', async () => {
    const l = await create(dealer);
    await submit(dealer, l.id);
    if ((await rowOf(l.id)).status === 'in_review') await approve(l.id);
    const change = (mrp: number, b2c: number, b2b: number) =>
      t.api.POST('/dealer/listings/{listingId}/price', {
        ...path(l.id),
        body: { mrpPaise: mrp, b2cPricePaise: b2c, b2bPricePaise: b2b },
        headers: dealer.headers,
      });
    // Down: live.
    const down = await change(100_000, 80_000, 70_000);
    expect(down.response.status).toBe(200);
    expect(down.data!.outcome).toBe('live');
    // Up 25% over the window's lowest (80,000 → 100,000 for B2C is +25%): live.
    const up = await change(100_000, 100_000, 87_500);
    expect(up.response.status).toBe(200);
    // Another +25% on top: +56% over the window's lowest → held; live prices unchanged.
    const held = await change(160_000, 125_000, 100_000);
    expect(held.response.status).toBe(202);
    expect(held.data!.outcome).toBe('held');
    expect(held.data!.jumps!.map((j) => j.price)).toEqual([
      'mrpPaise',
      'b2cPricePaise',
      'b2bPricePaise',
    ]);
    expect(await rowOf(l.id)).toMatchObject({ b2c_price_paise: '100000', mrp_paise: '100000' });
    // A pricing-rule break is refused before the jump rule, changing nothing.
    const v = (await rowOf(l.id)).version;
    const bad = await change(100_000, 100_001, 1);
    expect(bad.response.status).toBe(422);
    expect((await rowOf(l.id)).version).toBe(v);
    const { data: queue } = await t.api.GET('/admin/listings', {
      params: { query: { heldPrice: true } },
      headers: admin.headers,
    });
    expect(queue!.items.map((i) => i.id)).toContain(l.id);
    const ok = await t.api.POST('/admin/listings/{listingId}/price/approve', {
      ...path(l.id),
      body: { reason: 'supplier invoice seen' },
      headers: admin.headers,
    });
    expect(ok.data).toMatchObject({ b2cPricePaise: 125_000, pendingPrice: null });
    const none = await t.api.POST('/admin/listings/{listingId}/price/reject', {
      ...path(l.id),
      body: { reason: 'nothing' },
      headers: admin.headers,
    });
    expect((none.error as { code: string }).code).toBe('listing/no-held-price');
    const kinds = await sql<{ kind: string }>(
      `SELECT kind FROM listing_price_history WHERE listing_id = $1 ORDER BY id`,
      [l.id],
    );
    expect(kinds.map((k) => k.kind)).toEqual(['live', 'live', 'live', 'held', 'approved', 'live']);
    const audit = await sql<{ action: string; reason: string }>(
      `SELECT action, reason FROM audit_events WHERE target_type = 'listing' AND target_id = $1 AND action LIKE 'listing.price.%'`,
      [l.id],
    );
    expect(audit).toEqual([{ action: 'listing.price.approve', reason: 'supplier invoice seen' }]);
  });

  it('refuses bad tiers on a price change, and a rejected held price leaves the live prices', async () => {
    const l = await create(dealer, { sku: 'HELD-REJECT-1' });
    await submit(dealer, l.id);
    if ((await rowOf(l.id)).status === 'in_review') await approve(l.id);
    const before = await rowOf(l.id);
    const badTiers = await t.api.POST('/dealer/listings/{listingId}/price', {
      ...path(l.id),
      body: {
        mrpPaise: Number(before.mrp_paise),
        b2cPricePaise: Number(before.b2c_price_paise),
        b2bPricePaise: 1_000,
        tiers: [{ minQty: 10, pricePaise: 1_001 }],
      },
      headers: dealer.headers,
    });
    expect(badTiers.response.status).toBe(422);
    expect((badTiers.error as { code: string }).code).toBe('listing/invalid-tiers');
    expect(await rowOf(l.id)).toEqual(before);

    const mrp = Number(before.mrp_paise) * 3;
    const held = await t.api.POST('/dealer/listings/{listingId}/price', {
      ...path(l.id),
      body: { mrpPaise: mrp, b2cPricePaise: mrp, b2bPricePaise: mrp },
      headers: dealer.headers,
    });
    expect(held.response.status).toBe(202);
    const rejected = await t.api.POST('/admin/listings/{listingId}/price/reject', {
      ...path(l.id),
      body: { reason: 'no supplier invoice for a 3x rise' },
      headers: admin.headers,
    });
    expect(rejected.response.status).toBe(200);
    expect(rejected.data).toMatchObject({
      pendingPrice: null,
      b2cPricePaise: Number(before.b2c_price_paise),
    });
    expect((await rowOf(l.id)).b2c_price_paise).toBe(before.b2c_price_paise);
    const kinds = await sql<{ kind: string }>(
      `SELECT kind FROM listing_price_history WHERE listing_id = $1 ORDER BY id`,
      [l.id],
    );
    expect(kinds.map((k) => k.kind)).toEqual(['live', 'held', 'rejected']);
    const audit = await sql<{ action: string }>(
      `SELECT action FROM audit_events WHERE target_type = 'listing' AND target_id = $1 AND action LIKE 'listing.price.%'`,
      [l.id],
    );
    expect(audit).toEqual([{ action: 'listing.price.reject' }]);
  });

  it('an edit that makes an active listing a near-duplicate sends it back to review', async () => {
    const a = await create(dealer, {
      sku: 'DUPEDIT-A',
      name: 'Galaxy M31 Battery 6000mAh Original',
      category: 'battery',
      compatibleModels: ['Galaxy M31'],
    });
    const b = await create(dealer, {
      sku: 'DUPEDIT-B',
      name: 'Redmi 9A Charging Port Flex',
      category: 'battery',
      compatibleModels: ['Redmi 9A'],
    });
    for (const l of [a, b]) {
      await submit(dealer, l.id);
      if ((await rowOf(l.id)).status === 'in_review') await approve(l.id);
      expect((await rowOf(l.id)).status).toBe('active');
    }
    const edited = await t.api.PATCH('/dealer/listings/{listingId}', {
      ...path(b.id),
      body: { name: 'Galaxy M31 Battery 6000mAh Original', compatibleModels: ['Galaxy M31'] },
      headers: dealer.headers,
    });
    expect(edited.response.status).toBe(200);
    expect(await rowOf(b.id)).toMatchObject({ status: 'in_review', duplicate_of: a.id });
    const history = await sql<{ from_status: string; to_status: string }>(
      `SELECT from_status, to_status FROM listing_status_history WHERE listing_id = $1 ORDER BY id DESC LIMIT 1`,
      [b.id],
    );
    expect(history).toEqual([{ from_status: 'active', to_status: 'in_review' }]);
  });

  it('flags near-duplicates of one dealer and sends them to review', async () => {
    const a = await create(other, {
      name: 'Samsung Galaxy M31 Battery 6000mAh',
      category: 'battery',
    });
    const b = await create(other, {
      name: 'Samsung Galaxy M31 Battery 6000 mAh',
      category: 'battery',
    });
    expect(a.duplicateOf).toBeNull();
    expect(b.duplicateOf).toBe(a.id);
    const c = await create(other, {
      name: 'Vivo V20 Pro charging port',
      category: 'charging_port',
      compatibleModels: ['Vivo V20 Pro'],
    });
    const d = await create(other, {
      name: 'vivo v20-pro Charging Port!',
      category: 'flex_cable',
      compatibleModels: ['VIVO V20 PRO'],
    });
    expect(c.duplicateOf).toBeNull();
    expect(d.duplicateOf).toBe(c.id);
    // Another dealer's listing of the same name is no duplicate.
    expect(
      (await create(dealer, { name: 'Samsung Galaxy M31 Battery 6000mAh' })).duplicateOf,
    ).toBeNull();
    const { data } = await t.api.GET('/admin/listings', {
      params: { query: { duplicate: true, dealerId: other.userId } },
      headers: admin.headers,
    });
    expect(data!.items.map((i) => i.id).sort()).toEqual([b.id, d.id].sort());
  });

  it('sets and adjusts stock with movements, never below reserved', async () => {
    const l = await create(dealer, { stockOnHand: 10 });
    await sql(`UPDATE listings SET stock_reserved = 6 WHERE id = $1`, [l.id]);
    const adjust = (delta: number, key: string = randomUUID()) =>
      t.api.POST('/dealer/listings/{listingId}/stock/adjustments', {
        params: { path: { listingId: l.id }, header: { 'Idempotency-Key': key } },
        body: { delta, reason: 'stock count' },
        headers: dealer.headers,
      });
    const below = await adjust(-5);
    expect(below.response.status).toBe(409);
    expect((below.error as { code: string }).code).toBe('listing/stock-below-reserved');
    const setBelow = await t.api.PUT('/dealer/listings/{listingId}/stock', {
      ...path(l.id),
      body: { onHand: 5 },
      headers: dealer.headers,
    });
    expect(setBelow.response.status).toBe(409);
    expect((await rowOf(l.id)) as unknown).toMatchObject({ stock_on_hand: 10 });
    expect((await adjust(-4, 'count-1')).data).toMatchObject({ stockOnHand: 6, stockAvailable: 0 });
    // A retry with the same key applies once; the same key with another body is refused.
    const retry = await adjust(-4, 'count-1');
    expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.data).toMatchObject({ stockOnHand: 6 });
    expect((await rowOf(l.id)) as unknown).toMatchObject({ stock_on_hand: 6 });
    expect((await adjust(-3, 'count-1')).error).toMatchObject({ code: 'idempotency/key-reused' });
    const noKey = await fetch(`${t.baseUrl}/dealer/listings/${l.id}/stock/adjustments`, {
      method: 'POST',
      headers: { ...dealer.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ delta: 1, reason: 'stock count' }),
    });
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toMatchObject({ code: 'idempotency/key-required' });
    expect((await adjust(0)).response.status).toBe(400);
    // Never above 10,000,000 on hand (the column's CHECK too): a clear 422, not an overflow.
    expect((await adjust(10_000_000)).error).toMatchObject({ code: 'listing/stock-too-large' });
    const set = await t.api.PUT('/dealer/listings/{listingId}/stock', {
      ...path(l.id),
      body: { onHand: 20, reason: 'delivery' },
      headers: dealer.headers,
    });
    expect(set.data!.stockOnHand).toBe(20);
    const { data: page1 } = await t.api.GET('/dealer/listings/{listingId}/stock/movements', {
      params: { path: { listingId: l.id }, query: { limit: 2 } },
      headers: dealer.headers,
    });
    expect(page1!.items.map((m) => [m.kind, m.onHandDelta, m.onHandAfter])).toEqual([
      ['set', 14, 20],
      ['adjust', -4, 6],
    ]);
    const { data: page2 } = await t.api.GET('/dealer/listings/{listingId}/stock/movements', {
      params: { path: { listingId: l.id }, query: { limit: 2, cursor: page1!.nextCursor } },
      headers: dealer.headers,
    });
    expect(page2!.items.map((m) => [m.kind, m.onHandAfter, m.reason])).toEqual([
      ['set', 10, 'initial stock'],
    ]);
    expect(page2!.nextCursor).toBeUndefined();
  });

  it('hides other dealers’ listings (404) and refuses pending dealers (403)', async () => {
    const mine = await create(dealer);
    const v = (await rowOf(mine.id)).version;
    const probes = [
      t.api.GET('/dealer/listings/{listingId}', { ...path(mine.id), headers: other.headers }),
      t.api.PATCH('/dealer/listings/{listingId}', {
        ...path(mine.id),
        body: { name: 'Stolen name' },
        headers: other.headers,
      }),
      t.api.POST('/dealer/listings/{listingId}/submit', {
        ...path(mine.id),
        headers: other.headers,
      }),
      t.api.PUT('/dealer/listings/{listingId}/stock', {
        ...path(mine.id),
        body: { onHand: 1 },
        headers: other.headers,
      }),
    ];
    for (const r of await Promise.all(probes)) {
      expect(r.response.status).toBe(404);
      expect((r.error as { code: string }).code).toBe('listing/not-found');
    }
    expect((await rowOf(mine.id)).version).toBe(v);
    const { data: list } = await t.api.GET('/dealer/listings', { headers: other.headers });
    expect(list!.items.map((i) => i.id)).not.toContain(mine.id);
    const p = await t.api.POST('/dealer/listings', { body: body(), headers: pending.headers });
    expect(p.response.status).toBe(403);
    const g = await t.api.GET('/dealer/listings', { headers: pending.headers });
    expect(g.response.status).toBe(403);
  });

  it('lists own listings by cursor', async () => {
    const fresh = await signInAs(t, 'dealer');
    const made = [await create(fresh), await create(fresh), await create(fresh)];
    const { data: p1 } = await t.api.GET('/dealer/listings', {
      params: { query: { limit: 2 } },
      headers: fresh.headers,
    });
    const { data: p2 } = await t.api.GET('/dealer/listings', {
      params: { query: { limit: 2, cursor: p1!.nextCursor } },
      headers: fresh.headers,
    });
    expect([...p1!.items, ...p2!.items].map((i) => i.id)).toEqual(made.map((m) => m.id));
    expect(p2!.nextCursor).toBeUndefined();
  });
});
