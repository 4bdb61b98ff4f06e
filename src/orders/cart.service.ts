/**
 * A buyer's cart: the priced view and its edits. The cart view and checkout
 * (`commands/place-order.handler.ts`) price through the same `priceCart`, so the minimum-order
 * check, delivery charges and line problems the cart shows are the ones checkout applies.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../common/roles.js';
import { AVAILABLE_DISPLAY_CAP } from '../catalog/search/price-channel.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { gstinStateCode } from '../common/gstin.js';
import { gstStateCodeOf, type IndianState } from '../common/indian-states.js';
import { MAX_CART_LINES, priceCart, type BuyChannel } from './domain/order-pricing.js';
import type { CartDto } from './dto/order.dto.js';
import { deliveryRuleOf, pricedListings } from './order-store.js';

export interface Buyer {
  id: string;
  role: string;
  channel: BuyChannel;
  gstin: string | null;
  businessName: string | null;
  /** A business buyer's place of supply: its billing state's GST code. */
  billingStateCode: string | null;
}

/**
 * The caller as a buyer: channel from role and approval (B2B for an approved business buyer). A
 * business buyer's place of supply is its billing state (its GSTIN's state; for an account from
 * before billing addresses, the GSTIN's state code), whatever the delivery address.
 */
export async function buyerOf(tx: EntityManager, p: Principal): Promise<Buyer> {
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

export const listingNotInCatalog = () =>
  new AppProblem(404, 'listing/not-found', 'Not found', 'No such listing');

@Injectable()
export class CartService {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(meta: RequestMeta): Promise<CartDto> {
    return this.transactions.run(async (tx) => this.view(tx, await buyerOf(tx, meta.principal!)));
  }

  async setQuantity(listingId: string, quantity: number, meta: RequestMeta): Promise<CartDto> {
    return this.transactions.run(async (tx) => {
      const buyer = await buyerOf(tx, meta.principal!);
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
      const buyer = await buyerOf(tx, meta.principal!);
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
      const buyer = await buyerOf(tx, meta.principal!);
      await execute(tx, `DELETE FROM cart_items WHERE buyer_id = $1`, [buyer.id]);
      return this.view(tx, buyer);
    });
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
