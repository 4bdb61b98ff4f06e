/**
 * The steps of checkout (`PlaceOrderHandler`), each in the caller's transaction, in the order the
 * handler runs them: lock the cart, price it, refuse what may not be placed, write the order and its
 * sub-orders, reserve stock, empty the cart.
 */
import type { EntityManager } from 'typeorm';
import { reserveStockIn } from '../../catalog/listings/listing-stock.js';
import { AVAILABLE_DISPLAY_CAP } from '../../catalog/search/price-channel.js';
import { AppProblem } from '../../common/errors/problem.js';
import { gstStateCodeOf } from '../../common/indian-states.js';
import { execute } from '../../database/sql.js';
import type { Buyer } from '../cart.service.js';
import {
  MAX_ORDER_PAISE,
  priceCart,
  type PricedCart,
  type PricedGroup,
  type PricedListing,
} from '../domain/order-pricing.js';
import type { CheckoutDto } from '../dto/order.dto.js';
import { deliveryRuleOf, pricedListings } from '../order-store.js';

export interface CartLine {
  listing_id: string;
  quantity: number;
}

/** 409 `order/out-of-stock`: the listing cannot supply `requested` units now. */
function outOfStock(l: PricedListing, requested: number): AppProblem {
  // Like the cart, never more exact than "100 or more" (a competitor could probe stock otherwise).
  const available = Math.max(0, Math.min(l.available, AVAILABLE_DISPLAY_CAP));
  return new AppProblem(
    409,
    'order/out-of-stock',
    'Out of stock',
    l.buyable
      ? `Only ${available} of ${l.name} left (asked: ${requested})`
      : `${l.name} is no longer available`,
    { listingId: l.listingId, available, requested },
  );
}

/** The buyer's cart lines, locked (two concurrent submits: the second finds the cart emptied); 409 when empty. */
export async function lockCart(tx: EntityManager, buyerId: string): Promise<CartLine[]> {
  const { rows } = await execute<CartLine>(
    tx,
    `SELECT listing_id::text AS listing_id, quantity FROM cart_items WHERE buyer_id = $1
     ORDER BY listing_id FOR UPDATE`,
    [buyerId],
  );
  if (rows.length === 0)
    throw new AppProblem(
      409,
      'cart/empty',
      'Cart empty',
      'Your cart is empty: add parts before checking out',
    );
  return rows;
}

/** Prices the cart as checkout does: dealers' account rows locked FOR SHARE, so a suspension is seen. */
export async function priceCheckout(
  tx: EntityManager,
  buyer: Buyer,
  cart: CartLine[],
  dto: CheckoutDto,
  minimumPaise: number,
): Promise<PricedCart> {
  const listings = await pricedListings(
    tx,
    buyer.id,
    cart.map((c) => c.listing_id),
    { lockDealers: true },
  );
  return priceCart({
    channel: buyer.channel,
    lines: cart.map((c) => ({ listing: listings.get(c.listing_id)!, quantity: c.quantity })),
    delivery: await deliveryRuleOf(tx, buyer.channel),
    minimumPaise,
    placeOfSupplyStateCode: buyer.billingStateCode ?? gstStateCodeOf(dto.shippingAddress.state),
  });
}

/** Line problems: 409 `order/out-of-stock` when they are all short stock, else `order/cart-not-ready`. */
function lineRefusal(priced: PricedCart): AppProblem | null {
  const problems = priced.groups.flatMap((g) =>
    g.lines
      .filter((l) => l.problems.length > 0)
      .map((l) => ({ listingId: l.listing.listingId, problems: l.problems })),
  );
  if (problems.length === 0) return null;
  // Not enough stock is the same refusal whether seen here or by the reservation.
  if (problems.every((p) => p.problems.every((x) => x.code === 'insufficient-stock'))) {
    const short = priced.groups
      .flatMap((g) => g.lines)
      .find((l) => l.listing.listingId === problems[0]!.listingId)!;
    return outOfStock(short.listing, short.quantity);
  }
  return new AppProblem(
    409,
    'order/cart-not-ready',
    'Cart not ready',
    problems.flatMap((p) => p.problems.map((x) => x.detail)).join('; '),
    { lines: problems },
  );
}

/**
 * Refuses a priced cart that may not be placed: a line problem (409), a total beyond limits (422),
 * the minimum order value not met (422, with the shortfall), or a total that changed since the buyer
 * saw it (409).
 */
export function refuseUnlessPlaceable(
  buyer: Buyer,
  priced: PricedCart,
  dto: CheckoutDto,
  minimumPaise: number,
): void {
  const refusal = lineRefusal(priced);
  if (refusal) throw refusal;
  if (priced.tooLarge)
    throw new AppProblem(
      422,
      'order/too-large',
      'Order too large',
      `An order may total at most ${MAX_ORDER_PAISE} paise: split it into several orders`,
    );
  if (!priced.minimum.met)
    throw new AppProblem(
      422,
      'order/minimum-not-met',
      'Minimum order value not met',
      `${buyer.channel === 'b2b' ? 'Business' : 'Consumer'} orders need items worth at least ${minimumPaise} paise (GST included, delivery excluded); this cart has ${priced.itemsPaise} paise: add ${priced.minimum.shortfallPaise} paise more`,
      {
        channel: buyer.channel,
        minimumPaise,
        itemsPaise: priced.itemsPaise,
        shortfallPaise: priced.minimum.shortfallPaise,
      },
    );
  if (dto.expectedTotalPaise !== undefined && dto.expectedTotalPaise !== priced.totalPaise)
    throw new AppProblem(
      409,
      'order/total-changed',
      'Total changed',
      `The cart now totals ${priced.totalPaise} paise, not the ${dto.expectedTotalPaise} paise you saw: review the cart and check out again`,
      { expectedTotalPaise: dto.expectedTotalPaise, totalPaise: priced.totalPaise },
    );
}

/** Writes the order row (awaiting payment, its reservation expiring in `reservationTtlMinutes`); returns its id. */
export async function insertOrder(
  tx: EntityManager,
  buyer: Buyer,
  dto: CheckoutDto,
  priced: PricedCart,
  o: { minimumPaise: number; reservationTtlMinutes: number; idempotencyKey: string },
): Promise<string> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `INSERT INTO orders (buyer_id, buyer_role, channel, buyer_gstin, buyer_business_name,
       shipping_address, items_paise, delivery_paise, total_paise, minimum_order_paise,
       reservation_expires_at, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, now() + make_interval(mins => $11), $12)
     RETURNING id::text AS id`,
    [
      buyer.id,
      buyer.role,
      buyer.channel,
      buyer.channel === 'b2b' ? buyer.gstin : null,
      buyer.channel === 'b2b' ? buyer.businessName : null,
      JSON.stringify(dto.shippingAddress),
      priced.itemsPaise,
      priced.deliveryPaise,
      priced.totalPaise,
      o.minimumPaise,
      o.reservationTtlMinutes,
      o.idempotencyKey,
    ],
  );
  return rows[0]!.id;
}

/** Writes one dealer's sub-order, its line snapshots (prices, GST breakdown) and its `place` history row. */
export async function insertSubOrder(
  tx: EntityManager,
  orderId: string,
  g: PricedGroup,
  buyer: Buyer,
): Promise<void> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `INSERT INTO sub_orders (order_id, dealer_id, dealer_gstin, supply, items_paise, delivery_paise,
       total_paise, tax_paise)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text AS id`,
    [
      orderId,
      g.dealerId,
      g.dealerGstin,
      g.supply,
      g.itemsPaise,
      g.deliveryPaise,
      g.totalPaise,
      g.taxPaise,
    ],
  );
  const subId = rows[0]!.id;
  await execute(
    tx,
    `INSERT INTO order_lines (sub_order_id, line_no, listing_id, sku, name, brand, condition, hsn_code,
       gst_rate_bps, mrp_paise, quantity, unit_price_paise, line_total_paise, delivery_share_paise,
       taxable_value_paise, cgst_paise, sgst_paise, igst_paise)
     SELECT $1, n, listing_id, sku, name, brand, condition, hsn_code, gst_rate_bps, mrp, qty, unit,
            total, delivery_share, taxable, cgst, sgst, igst
     FROM jsonb_to_recordset($2::jsonb) AS x(listing_id uuid, sku text, name text,
       brand text, condition text, hsn_code text, gst_rate_bps int, mrp bigint, qty int, unit bigint,
       total bigint, delivery_share bigint, taxable bigint, cgst bigint, sgst bigint, igst bigint,
       n int)`,
    [
      subId,
      JSON.stringify(
        g.lines.map((l, i) => ({
          n: i + 1,
          listing_id: l.listing.listingId,
          sku: l.listing.sku,
          name: l.listing.name,
          brand: l.listing.brand,
          condition: l.listing.condition,
          hsn_code: l.listing.hsnCode,
          gst_rate_bps: l.listing.gstRateBps,
          mrp: l.listing.mrpPaise,
          qty: l.quantity,
          unit: l.unitPricePaise,
          total: l.lineTotalPaise,
          delivery_share: l.deliverySharePaise,
          taxable: l.tax.taxableValuePaise,
          cgst: l.tax.cgstPaise,
          sgst: l.tax.sgstPaise,
          igst: l.tax.igstPaise,
        })),
      ),
    ],
  );
  await execute(
    tx,
    `INSERT INTO sub_order_history (sub_order_id, event, from_status, to_status, actor_id, actor_role)
     VALUES ($1, 'place', NULL, 'awaiting_payment', $2, $3)`,
    [subId, buyer.id, `buyer:${buyer.role}`],
  );
}

/**
 * Reserves the order's stock through catalog's `reserveStockIn`, listing by listing in id order, each
 * a conditional `UPDATE … WHERE stock_on_hand − stock_reserved >= quantity` with its stock movement;
 * a failed one is 409 `order/out-of-stock` (the caller's transaction rolls back). Run last, so the hot
 * rows stay locked only until commit.
 */
export async function reserveStock(
  tx: EntityManager,
  buyerId: string,
  orderId: string,
  priced: PricedCart,
): Promise<void> {
  const lines = priced.groups
    .flatMap((g) => g.lines)
    .sort((a, b) => (a.listing.listingId < b.listing.listingId ? -1 : 1));
  const failed = await reserveStockIn(
    tx,
    lines.map((l) => ({ listingId: l.listing.listingId, quantity: l.quantity })),
    { reference: `order:${orderId}`, actorId: buyerId },
  );
  if (failed !== null) {
    const now = (await pricedListings(tx, buyerId, [failed.listingId])).get(failed.listingId)!;
    throw outOfStock(now, failed.quantity);
  }
}

/** Removes the checked-out lines from the cart. */
export async function emptyCart(
  tx: EntityManager,
  buyerId: string,
  cart: CartLine[],
): Promise<void> {
  await execute(tx, `DELETE FROM cart_items WHERE buyer_id = $1 AND listing_id = ANY($2::uuid[])`, [
    buyerId,
    cart.map((c) => c.listing_id),
  ]);
}
