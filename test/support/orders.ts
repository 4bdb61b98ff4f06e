/**
 * Test fixtures for carts and orders: active listings written straight into the database (the
 * listing API has its own tests), a delivery address, and shortcuts for the cart and checkout calls.
 */
import { randomUUID } from 'node:crypto';
import type { SignedIn } from './accounts.js';
import type { components } from './api-types.js';
import type { TestApp } from './test-app.js';
import { withClient } from './test-database.js';

export type Cart = components['schemas']['CartDto'];
export type Order = components['schemas']['OrderDto'];
export type ShippingAddress = components['schemas']['ShippingAddressDto'];

/** A Karnataka address: test dealers' GSTINs are Karnataka's (29), so supply is intra-state. */
export const ADDRESS: ShippingAddress = {
  name: 'Asha Rao',
  phone: '+919876543210',
  line1: '12 Residency Road',
  city: 'Bengaluru',
  state: 'Karnataka',
  pincode: '560025',
};

export interface ListingFixture {
  b2cPricePaise?: number;
  b2bPricePaise?: number;
  mrpPaise?: number;
  stock?: number;
  gstRateBps?: number;
  b2bMinQty?: number | null;
  tiers?: { minQty: number; pricePaise: number }[];
  status?: 'active' | 'paused' | 'draft' | 'in_review';
  name?: string;
}

/** An active listing of `dealerId` (inserted as the owner, with its `set` stock movement). */
export async function activeListing(
  t: TestApp,
  dealerId: string,
  f: ListingFixture = {},
): Promise<string> {
  const b2c = f.b2cPricePaise ?? 100_000;
  const b2b = f.b2bPricePaise ?? Math.floor(b2c * 0.9);
  const stock = f.stock ?? 10;
  const name = f.name ?? `Test part ${randomUUID().slice(0, 8)}`;
  return withClient(t.db.ownerUrl, async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO listings (dealer_id, sku, name, category, brand, compatible_models, condition, hsn_code,
         gst_rate_bps, mrp_paise, b2c_price_paise, b2b_price_paise, b2b_min_qty, b2b_tiers, stock_on_hand,
         status, paused_by, search_text)
       VALUES ($1, $2, $3, 'display', 'Generic', ARRAY['Test Phone 1'], 'new', '85177900', $4, $5, $6, $7,
         $8, $9::jsonb, $10, $11, CASE WHEN $11 = 'paused' THEN 'dealer' END, lower($3))
       RETURNING id::text AS id`,
      [
        dealerId,
        `T-${randomUUID().slice(0, 12)}`,
        name,
        f.gstRateBps ?? 1800,
        f.mrpPaise ?? b2c,
        b2c,
        b2b,
        f.b2bMinQty ?? null,
        JSON.stringify(f.tiers ?? []),
        stock,
        f.status ?? 'active',
      ],
    );
    const id = rows[0]!.id;
    await c.query(
      `INSERT INTO stock_movements (listing_id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reason)
       VALUES ($1, 'set', $2, 0, $2, 0, 'test fixture')`,
      [id, stock],
    );
    return id;
  });
}

export async function putInCart(
  t: TestApp,
  who: SignedIn,
  listingId: string,
  quantity: number,
): Promise<{ status: number; cart: Cart | undefined; error: unknown }> {
  const { data, error, response } = await t.api.PUT('/cart/items/{listingId}', {
    params: { path: { listingId } },
    body: { quantity },
    headers: who.headers,
  });
  return { status: response.status, cart: data, error };
}

export async function checkout(
  t: TestApp,
  who: SignedIn,
  options: { key?: string; address?: ShippingAddress; expectedTotalPaise?: number } = {},
): Promise<{
  status: number;
  order: Order | undefined;
  error: Record<string, unknown> | undefined;
}> {
  const { data, error, response } = await t.api.POST('/checkout', {
    params: { header: { 'Idempotency-Key': options.key ?? randomUUID() } },
    body: {
      shippingAddress: options.address ?? ADDRESS,
      ...(options.expectedTotalPaise !== undefined
        ? { expectedTotalPaise: options.expectedTotalPaise }
        : {}),
    },
    headers: who.headers,
  });
  return {
    status: response.status,
    order: data,
    error: error as Record<string, unknown> | undefined,
  };
}

/** Stock counters of a listing. */
export async function stockOf(
  t: TestApp,
  listingId: string,
): Promise<{ onHand: number; reserved: number }> {
  return withClient(t.db.ownerUrl, async (c) => {
    const { rows } = await c.query<{ on_hand: number; reserved: number }>(
      `SELECT stock_on_hand AS on_hand, stock_reserved AS reserved FROM listings WHERE id = $1`,
      [listingId],
    );
    return { onHand: rows[0]!.on_hand, reserved: rows[0]!.reserved };
  });
}
