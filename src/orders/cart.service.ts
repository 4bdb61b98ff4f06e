/**
 * A buyer's cart and checkout. The cart view and checkout price through the same `priceCart`, so the
 * minimum-order check, delivery charges and line problems the cart shows are the ones checkout
 * applies.
 *
 * Checkout, in one READ COMMITTED transaction under its `Idempotency-Key`:
 * 1. lock the buyer's cart lines (two concurrent submits: the second finds the cart emptied);
 * 2. price the listings (dealers' account rows locked FOR SHARE, so a suspension is seen);
 * 3. refuse on any line problem (409), a total beyond limits, the minimum not met (422, with the
 *    shortfall) or a total that changed since the buyer saw it (409);
 * 4. write the order, one sub-order per dealer and the line snapshots (prices, GST breakdown);
 * 5. reserve stock last, listing by listing in id order, each a conditional
 *    `UPDATE … WHERE stock_on_hand − stock_reserved >= quantity` (a failed one: 409, all rolled back),
 *    so the hot rows stay locked only until commit;
 * 6. empty the cart;
 * 7. run the registered checkout checks (`OrderChecks`, e.g. fraud: hold for review or refuse; a
 *    refusal's record is written after the rollback, in a transaction of its own).
 */
import { Inject, Injectable } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../common/roles.js';
import { AVAILABLE_DISPLAY_CAP } from '../catalog/search/price-channel.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { idempotent } from '../database/idempotency.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { gstinStateCode } from '../common/gstin.js';
import { gstStateCodeOf, type IndianState } from '../common/indian-states.js';
import {
  MAX_CART_LINES,
  MAX_ORDER_PAISE,
  priceCart,
  type BuyChannel,
  type PricedListing,
} from './domain/order-pricing.js';
import type { CartDto, CheckoutDto, OrderDto } from './dto/order.dto.js';
import { OrderPlaced } from './events/order-events.js';
import { CheckoutRefused, OrderChecks } from './order-checks.js';
import { deliveryRuleOf, ordersByIds, pricedListings, returnWindowMsOf } from './order-store.js';

interface Buyer {
  id: string;
  role: string;
  channel: BuyChannel;
  gstin: string | null;
  businessName: string | null;
  /** A business buyer's place of supply: its billing state's GST code. */
  billingStateCode: string | null;
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

export const listingNotInCatalog = () =>
  new AppProblem(404, 'listing/not-found', 'Not found', 'No such listing');

@Injectable()
export class CartService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly checks: OrderChecks,
  ) {}

  async get(meta: RequestMeta): Promise<CartDto> {
    return this.transactions.run(async (tx) =>
      this.view(tx, await this.buyer(tx, meta.principal!)),
    );
  }

  async setQuantity(listingId: string, quantity: number, meta: RequestMeta): Promise<CartDto> {
    return this.transactions.run(async (tx) => {
      const buyer = await this.buyer(tx, meta.principal!);
      const listing = (await pricedListings(tx, buyer.id, [listingId])).get(listingId);
      if (listing === undefined || (!listing.buyable && !listing.ownListing))
        throw listingNotInCatalog();
      if (listing.ownListing)
        throw new AppProblem(
          409,
          'cart/own-listing',
          'Own listing',
          'You cannot buy your own listing',
        );
      // Serializes a buyer's cart edits, so the line limit holds.
      await execute(tx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [buyer.id]);
      const { rows } = await execute<{ lines: number; present: boolean }>(
        tx,
        `SELECT count(*)::int AS lines, bool_or(listing_id = $2) AS present FROM cart_items WHERE buyer_id = $1`,
        [buyer.id, listingId],
      );
      if (!rows[0]!.present && rows[0]!.lines >= MAX_CART_LINES)
        throw new AppProblem(
          409,
          'cart/full',
          'Cart full',
          `A cart holds at most ${MAX_CART_LINES} different parts: check out or remove some first`,
        );
      await execute(
        tx,
        `INSERT INTO cart_items (buyer_id, listing_id, quantity) VALUES ($1, $2, $3)
         ON CONFLICT (buyer_id, listing_id) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()`,
        [buyer.id, listingId, quantity],
      );
      return this.view(tx, buyer);
    });
  }

  async remove(listingId: string, meta: RequestMeta): Promise<CartDto> {
    return this.transactions.run(async (tx) => {
      const buyer = await this.buyer(tx, meta.principal!);
      const { affected } = await execute(
        tx,
        `DELETE FROM cart_items WHERE buyer_id = $1 AND listing_id = $2`,
        [buyer.id, listingId],
      );
      if (affected === 0)
        throw new AppProblem(
          404,
          'cart/item-not-found',
          'Not in cart',
          'This listing is not in your cart',
        );
      return this.view(tx, buyer);
    });
  }

  async clear(meta: RequestMeta): Promise<CartDto> {
    return this.transactions.run(async (tx) => {
      const buyer = await this.buyer(tx, meta.principal!);
      await execute(tx, `DELETE FROM cart_items WHERE buyer_id = $1`, [buyer.id]);
      return this.view(tx, buyer);
    });
  }

  async checkout(
    dto: CheckoutDto,
    key: string,
    meta: RequestMeta,
  ): Promise<{ order: OrderDto; replayed: boolean }> {
    const principal = meta.principal!;
    const result = await this.transactions
      .run((tx) =>
        idempotent(
          tx,
          { ownerId: principal.userId, scope: 'checkout', key, request: dto },
          async () => {
            const orderId = await this.placeOrder(tx, await this.buyer(tx, principal), dto, key);
            const [order] = await ordersByIds(tx, [orderId], true, returnWindowMsOf(this.config));
            await this.checks.runCheckout(
              tx,
              {
                orderId,
                buyerId: principal.userId,
                totalPaise: order!.totalPaise,
                dealerIds: order!.subOrders.map((s) => s.dealerId),
                shippingPhone: dto.shippingAddress.phone,
              },
              meta,
            );
            return order!;
          },
        ),
      )
      .catch(async (err: unknown) => {
        if (!(err instanceof CheckoutRefused)) throw err;
        await this.transactions.run((tx) => err.record(tx));
        throw err.problem;
      });
    const order = result.body;
    if (!result.replayed)
      this.events.publish(
        new OrderPlaced(
          order.id,
          order.buyerId,
          order.subOrders.map((s) => s.id),
          order.totalPaise,
        ),
      );
    return { order, replayed: result.replayed };
  }

  private async placeOrder(
    tx: EntityManager,
    buyer: Buyer,
    dto: CheckoutDto,
    key: string,
  ): Promise<string> {
    const { rows: cart } = await execute<{ listing_id: string; quantity: number }>(
      tx,
      `SELECT listing_id::text AS listing_id, quantity FROM cart_items WHERE buyer_id = $1
       ORDER BY listing_id FOR UPDATE`,
      [buyer.id],
    );
    if (cart.length === 0)
      throw new AppProblem(
        409,
        'cart/empty',
        'Cart empty',
        'Your cart is empty: add parts before checking out',
      );
    const listings = await pricedListings(
      tx,
      buyer.id,
      cart.map((c) => c.listing_id),
      { lockDealers: true },
    );
    const minimumPaise = this.config.orders.minimumOrderPaise[buyer.channel];
    const priced = priceCart({
      channel: buyer.channel,
      lines: cart.map((c) => ({ listing: listings.get(c.listing_id)!, quantity: c.quantity })),
      delivery: await deliveryRuleOf(tx, buyer.channel),
      minimumPaise,
      placeOfSupplyStateCode: buyer.billingStateCode ?? gstStateCodeOf(dto.shippingAddress.state),
    });
    const problems = priced.groups.flatMap((g) =>
      g.lines
        .filter((l) => l.problems.length > 0)
        .map((l) => ({ listingId: l.listing.listingId, problems: l.problems })),
    );
    // Not enough stock is the same refusal whether seen here or by the reservation below.
    if (
      problems.length > 0 &&
      problems.every((p) => p.problems.every((x) => x.code === 'insufficient-stock'))
    ) {
      const short = priced.groups
        .flatMap((g) => g.lines)
        .find((l) => l.listing.listingId === problems[0]!.listingId)!;
      throw outOfStock(short.listing, short.quantity);
    }
    if (problems.length > 0)
      throw new AppProblem(
        409,
        'order/cart-not-ready',
        'Cart not ready',
        problems.flatMap((p) => p.problems.map((x) => x.detail)).join('; '),
        { lines: problems },
      );
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

    const { rows: orderRows } = await execute<{ id: string }>(
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
        minimumPaise,
        this.config.orders.reservationTtlMinutes,
        key,
      ],
    );
    const orderId = orderRows[0]!.id;
    for (const g of priced.groups) {
      const { rows: subRows } = await execute<{ id: string }>(
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
      const subId = subRows[0]!.id;
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

    // Reserve last (the hot rows stay locked only until commit), in listing id order.
    const lines = priced.groups
      .flatMap((g) => g.lines)
      .sort((a, b) => (a.listing.listingId < b.listing.listingId ? -1 : 1));
    for (const l of lines) {
      const { rows } = await execute<{ id: string }>(
        tx,
        `WITH l AS (
           UPDATE listings SET stock_reserved = stock_reserved + $2, updated_at = now()
           WHERE id = $1 AND status = 'active' AND stock_on_hand - stock_reserved >= $2
           RETURNING id, stock_on_hand, stock_reserved)
         INSERT INTO stock_movements (listing_id, kind, on_hand_delta, reserved_delta, on_hand_after,
           reserved_after, reason, reference, actor_id)
         SELECT id, 'reserve', 0, $2, stock_on_hand, stock_reserved, 'checkout', $3, $4 FROM l
         RETURNING listing_id::text AS id`,
        [l.listing.listingId, l.quantity, `order:${orderId}`, buyer.id],
      );
      if (rows.length === 0) {
        const now = (await pricedListings(tx, buyer.id, [l.listing.listingId])).get(
          l.listing.listingId,
        )!;
        throw outOfStock(now, l.quantity);
      }
    }
    await execute(
      tx,
      `DELETE FROM cart_items WHERE buyer_id = $1 AND listing_id = ANY($2::uuid[])`,
      [buyer.id, cart.map((c) => c.listing_id)],
    );
    return orderId;
  }

  /**
   * The caller as a buyer: channel from role and approval (B2B for an approved business buyer). A
   * business buyer's place of supply is its billing state (its GSTIN's state; for an account from
   * before billing addresses, the GSTIN's state code), whatever the delivery address.
   */
  private async buyer(tx: EntityManager, p: Principal): Promise<Buyer> {
    const { rows } = await execute<{
      gstin: string | null;
      business_name: string | null;
      billing_state: IndianState | null;
    }>(
      tx,
      `SELECT gstin, business_name, billing_address->>'state' AS billing_state FROM users WHERE id = $1`,
      [p.userId],
    );
    const row = rows[0];
    const channel: BuyChannel = p.role === 'business' && p.status === 'approved' ? 'b2b' : 'b2c';
    const billingStateCode =
      p.role !== 'business' || !row?.gstin
        ? null
        : row.billing_state
          ? gstStateCodeOf(row.billing_state)
          : gstinStateCode(row.gstin);
    return {
      id: p.userId,
      role: p.role,
      channel,
      gstin: row?.gstin ?? null,
      businessName: row?.business_name ?? null,
      billingStateCode,
    };
  }

  private async view(tx: EntityManager, buyer: Buyer): Promise<CartDto> {
    const { rows: cart } = await execute<{ listing_id: string; quantity: number }>(
      tx,
      `SELECT listing_id::text AS listing_id, quantity FROM cart_items WHERE buyer_id = $1
       ORDER BY added_at, listing_id`,
      [buyer.id],
    );
    const listings = await pricedListings(
      tx,
      buyer.id,
      cart.map((c) => c.listing_id),
    );
    const priced = priceCart({
      channel: buyer.channel,
      lines: cart.map((c) => ({ listing: listings.get(c.listing_id)!, quantity: c.quantity })),
      delivery: await deliveryRuleOf(tx, buyer.channel),
      minimumPaise: this.config.orders.minimumOrderPaise[buyer.channel],
      placeOfSupplyStateCode: null,
    });
    return {
      channel: buyer.channel,
      groups: priced.groups.map((g) => ({
        dealerId: g.dealerId,
        dealerName: g.dealerName,
        itemsPaise: g.itemsPaise,
        deliveryPaise: g.deliveryPaise,
        totalPaise: g.totalPaise,
        lines: g.lines.map((l) => ({
          listingId: l.listing.listingId,
          sku: l.listing.sku,
          name: l.listing.name,
          brand: l.listing.brand,
          condition: l.listing.condition,
          quantity: l.quantity,
          mrpPaise: l.listing.mrpPaise,
          unitPricePaise: l.unitPricePaise,
          lineTotalPaise: l.lineTotalPaise,
          taxPaise: l.tax.taxPaise,
          available: Math.max(0, Math.min(l.listing.available, AVAILABLE_DISPLAY_CAP)),
          b2bMinQty: buyer.channel === 'b2b' ? l.listing.b2bMinQty : null,
          problems: l.problems,
        })),
      })),
      itemsPaise: priced.itemsPaise,
      deliveryPaise: priced.deliveryPaise,
      totalPaise: priced.totalPaise,
      minimumOrder: priced.minimum,
      readyForCheckout: priced.ready,
    };
  }
}
