/**
 * Pricing a cart or an order, pure: the unit price of the buyer's channel (B2B tiers by quantity),
 * line checks, the GST breakdown of GST-inclusive prices, the delivery charge per sub-order, the
 * minimum order value and the buyer-cancellation policy. The cart view and checkout both call
 * `priceCart`, so what the cart shows is what checkout charges.
 *
 * Policy (README "Orders and checkout"):
 * - Minimum order value: the order's item subtotal — every line's unit price × quantity, GST
 *   included, delivery excluded — must reach the channel's minimum (B2B ₹10,000, B2C ₹500 by default).
 * - Delivery: per sub-order (per dealer), the channel's flat fee, waived when that sub-order's item
 *   subtotal reaches the rule's free-from amount.
 * - Tax: prices include GST. The delivery charge is part of the dealer's composite supply of the
 *   goods: it is split over the sub-order's lines pro rata to their item taxable value (largest
 *   remainder), and each line's share is taxed at that line's rate. Per line, on its total plus its
 *   delivery share: taxable value = round-half-up(amount × 10000 / (10000 + rate in basis points)),
 *   tax = amount − taxable value; within one state the tax splits into SGST = ⌊tax / 2⌋ and CGST =
 *   tax − SGST, across states it is IGST. The escrow release finds the TCS base from the same lines
 *   (`saleLinesOf`).
 * - Buyer cancellation: a buyer may cancel sub-orders that have not shipped when what remains of the
 *   order (item subtotal of the sub-orders not cancelled) is nothing or still reaches the order's
 *   minimum; otherwise the buyer cancels the whole order. Cancellations by the dealer, staff or the
 *   platform are not held to the minimum (the buyer did not cause them).
 */
import type { PriceChannel } from '../../catalog/dto/catalog-search.dto.js';
import type { PriceTier } from '../../catalog/domain/listing-pricing.js';
import { AVAILABLE_DISPLAY_CAP } from '../../catalog/search/price-channel.js';
import { splitLargestRemainder } from '../../ledger/domain/money.js';

export type BuyChannel = Exclude<PriceChannel, 'staff'>;

/** Orders above this many paise (₹10 crore) are refused: far beyond any parts order, far below overflow. */
export const MAX_ORDER_PAISE = 1_000_000_000;
/** At most this many distinct listings in a cart. */
export const MAX_CART_LINES = 50;
/** At most this many units per line. */
export const MAX_LINE_QUANTITY = 10_000;

export interface PricedListing {
  listingId: string;
  dealerId: string;
  dealerName: string;
  dealerGstin: string;
  sku: string;
  name: string;
  brand: string;
  condition: string;
  hsnCode: string;
  gstRateBps: number;
  mrpPaise: number;
  b2cPricePaise: number;
  b2bPricePaise: number;
  b2bMinQty: number | null;
  tiers: PriceTier[];
  /** On hand − reserved. */
  available: number;
  /** Active listing of an approved dealer. */
  buyable: boolean;
  /** The buyer is the listing's dealer. */
  ownListing: boolean;
}

export type LineProblemCode =
  'unavailable' | 'own-listing' | 'insufficient-stock' | 'below-min-quantity';

export interface LineProblem {
  code: LineProblemCode;
  detail: string;
}

export interface TaxSplit {
  taxableValuePaise: number;
  taxPaise: number;
  cgstPaise: number;
  sgstPaise: number;
  igstPaise: number;
}

export type Supply = 'intra_state' | 'inter_state';

export interface PricedLine {
  listing: PricedListing;
  quantity: number;
  unitPricePaise: number;
  lineTotalPaise: number;
  /** This line's part of its sub-order's delivery charge (taxed with the line). */
  deliverySharePaise: number;
  /** GST in the line total plus its delivery share. */
  tax: TaxSplit;
  problems: LineProblem[];
}

export interface PricedGroup {
  dealerId: string;
  dealerName: string;
  dealerGstin: string;
  /** Known once a delivery state is: CGST + SGST within the dealer's state, IGST across states. */
  supply: Supply | null;
  lines: PricedLine[];
  itemsPaise: number;
  deliveryPaise: number;
  totalPaise: number;
  taxPaise: number;
}

export interface MinimumCheck {
  minimumPaise: number;
  met: boolean;
  shortfallPaise: number;
}

export interface PricedCart {
  channel: BuyChannel;
  groups: PricedGroup[];
  itemsPaise: number;
  deliveryPaise: number;
  totalPaise: number;
  minimum: MinimumCheck;
  /** Every line buyable as asked, the minimum met and the order within limits. */
  ready: boolean;
  tooLarge: boolean;
}

export interface DeliveryRule {
  flatFeePaise: number;
  freeFromPaise: number | null;
}

/** The unit price a buyer of `channel` pays for `quantity`: B2C price, or the B2B price lowered by the highest tier reached. */
export function unitPriceOf(l: PricedListing, channel: BuyChannel, quantity: number): number {
  if (channel === 'b2c') return l.b2cPricePaise;
  let price = l.b2bPricePaise;
  for (const tier of l.tiers) if (quantity >= tier.minQty) price = Math.min(price, tier.pricePaise);
  return price;
}

/** GST inside a GST-inclusive amount (see the policy above). */
export function taxOf(totalPaise: number, rateBps: number, supply: Supply | null): TaxSplit {
  const total = BigInt(totalPaise);
  const den = 10_000n + BigInt(rateBps);
  const taxable = Number((2n * total * 10_000n + den) / (2n * den));
  const tax = totalPaise - taxable;
  if (supply === 'inter_state')
    return {
      taxableValuePaise: taxable,
      taxPaise: tax,
      cgstPaise: 0,
      sgstPaise: 0,
      igstPaise: tax,
    };
  // Within a state — and, before the delivery state is known, shown the same way (the total is the same).
  const sgst = Math.floor(tax / 2);
  return {
    taxableValuePaise: taxable,
    taxPaise: tax,
    cgstPaise: tax - sgst,
    sgstPaise: sgst,
    igstPaise: 0,
  };
}

/** A line of a sale for its tax: its total (GST included) and its GST rate. */
export interface TaxedLine {
  lineTotalPaise: number;
  gstRateBps: number;
}

/**
 * The delivery charge split over the lines pro rata to their item taxable value, by largest
 * remainder (ties to the earlier line): each part belongs to its line's supply and its rate.
 */
export function deliverySharesOf(lines: readonly TaxedLine[], deliveryPaise: number): number[] {
  if (lines.length === 0) return [];
  if (deliveryPaise === 0) return lines.map(() => 0);
  const weights: bigint[] = lines.map((l) =>
    BigInt(taxOf(l.lineTotalPaise, l.gstRateBps, null).taxableValuePaise),
  );
  if (!weights.some((w) => w > 0n)) weights.fill(1n);
  return splitLargestRemainder(BigInt(deliveryPaise), weights).map(Number);
}

/**
 * A sub-order's lines as sold, for the invoice and the escrow release: each line's total plus its
 * delivery share, at the line's rate. Σ gross = items + delivery.
 */
export function saleLinesOf(
  lines: readonly TaxedLine[],
  deliveryPaise: number,
): { grossPaise: number; deliverySharePaise: number; gstRateBps: number }[] {
  const shares = deliverySharesOf(lines, deliveryPaise);
  return lines.map((l, i) => ({
    grossPaise: l.lineTotalPaise + shares[i]!,
    deliverySharePaise: shares[i]!,
    gstRateBps: l.gstRateBps,
  }));
}

export function supplyOf(
  dealerGstin: string,
  placeOfSupplyStateCode: string | null,
): Supply | null {
  if (placeOfSupplyStateCode === null) return null;
  return dealerGstin.slice(0, 2) === placeOfSupplyStateCode ? 'intra_state' : 'inter_state';
}

export function deliveryFeeOf(rule: DeliveryRule, itemsPaise: number): number {
  return rule.freeFromPaise !== null && itemsPaise >= rule.freeFromPaise ? 0 : rule.flatFeePaise;
}

export function minimumCheckOf(itemsPaise: number, minimumPaise: number): MinimumCheck {
  const shortfall = Math.max(0, minimumPaise - itemsPaise);
  return { minimumPaise, met: shortfall === 0, shortfallPaise: shortfall };
}

export function lineProblemsOf(
  l: PricedListing,
  channel: BuyChannel,
  quantity: number,
): LineProblem[] {
  if (l.ownListing) return [{ code: 'own-listing', detail: 'You cannot buy your own listing' }];
  if (!l.buyable) return [{ code: 'unavailable', detail: `${l.name} is not available for sale` }];
  const problems: LineProblem[] = [];
  if (channel === 'b2b' && l.b2bMinQty !== null && quantity < l.b2bMinQty)
    problems.push({
      code: 'below-min-quantity',
      detail: `${l.name} sells to businesses from ${l.b2bMinQty} units (asked: ${quantity})`,
    });
  if (quantity > l.available)
    problems.push({
      code: 'insufficient-stock',
      // Never more exact than the catalog shows ("100 or more").
      detail:
        l.available >= AVAILABLE_DISPLAY_CAP
          ? `Not enough of ${l.name} available (asked: ${quantity})`
          : `Only ${Math.max(0, l.available)} of ${l.name} available (asked: ${quantity})`,
    });
  return problems;
}

/**
 * Prices a cart: lines grouped by dealer (in first-seen order), each group's delivery charge, the
 * totals and the minimum check. `placeOfSupplyStateCode` (GST state code) is known at checkout: the
 * delivery state, or a business buyer's billing state (the checkout and the cart view).
 */
export function priceCart(input: {
  channel: BuyChannel;
  lines: { listing: PricedListing; quantity: number }[];
  delivery: DeliveryRule;
  minimumPaise: number;
  placeOfSupplyStateCode: string | null;
}): PricedCart {
  const groups = new Map<string, PricedGroup>();
  let tooLarge = false;
  for (const { listing, quantity } of input.lines) {
    let group = groups.get(listing.dealerId);
    if (group === undefined) {
      group = {
        dealerId: listing.dealerId,
        dealerName: listing.dealerName,
        dealerGstin: listing.dealerGstin,
        supply: supplyOf(listing.dealerGstin, input.placeOfSupplyStateCode),
        lines: [],
        itemsPaise: 0,
        deliveryPaise: 0,
        totalPaise: 0,
        taxPaise: 0,
      };
      groups.set(listing.dealerId, group);
    }
    const unit = unitPriceOf(listing, input.channel, quantity);
    const lineTotal = unit * quantity;
    if (!Number.isSafeInteger(lineTotal) || lineTotal > MAX_ORDER_PAISE) tooLarge = true;
    group.lines.push({
      listing,
      quantity,
      unitPricePaise: unit,
      lineTotalPaise: lineTotal,
      deliverySharePaise: 0,
      tax: taxOf(0, listing.gstRateBps, group.supply),
      problems: lineProblemsOf(listing, input.channel, quantity),
    });
    group.itemsPaise += lineTotal;
  }
  let itemsPaise = 0;
  let deliveryPaise = 0;
  for (const g of groups.values()) {
    g.deliveryPaise = deliveryFeeOf(input.delivery, g.itemsPaise);
    g.totalPaise = g.itemsPaise + g.deliveryPaise;
    const capped = g.lines.map((l) => ({
      lineTotalPaise: Math.min(l.lineTotalPaise, MAX_ORDER_PAISE),
      gstRateBps: l.listing.gstRateBps,
    }));
    saleLinesOf(capped, g.deliveryPaise).forEach((sold, i) => {
      const line = g.lines[i]!;
      line.deliverySharePaise = sold.deliverySharePaise;
      line.tax = taxOf(sold.grossPaise, sold.gstRateBps, g.supply);
      g.taxPaise += line.tax.taxPaise;
    });
    itemsPaise += g.itemsPaise;
    deliveryPaise += g.deliveryPaise;
  }
  if (itemsPaise + deliveryPaise > MAX_ORDER_PAISE) tooLarge = true;
  const minimum = minimumCheckOf(itemsPaise, input.minimumPaise);
  const allLinesOk = [...groups.values()].every((g) =>
    g.lines.every((l) => l.problems.length === 0),
  );
  return {
    channel: input.channel,
    groups: [...groups.values()],
    itemsPaise,
    deliveryPaise,
    totalPaise: itemsPaise + deliveryPaise,
    minimum,
    ready: groups.size > 0 && allLinesOk && minimum.met && !tooLarge,
    tooLarge,
  };
}

/**
 * The buyer-cancellation policy: `remainingItemsPaise` is the item subtotal of the order's
 * sub-orders that would remain (not cancelled) after the cancellation.
 */
export function buyerMayCancel(
  remainingItemsPaise: number,
  minimumPaise: number,
): { ok: true } | { ok: false; shortfallPaise: number } {
  if (remainingItemsPaise === 0 || remainingItemsPaise >= minimumPaise) return { ok: true };
  return { ok: false, shortfallPaise: minimumPaise - remainingItemsPaise };
}

/** Why some lines of a sub-order cannot be cancelled as asked. */
export type LineCancelRefusal =
  /** No such line in this sub-order. */
  | { code: 'order/unknown-lines'; lineNos: number[] }
  /** Cancelled before. */
  | { code: 'order/lines-already-cancelled'; lineNos: number[] }
  /** These are every line still active: cancelling the sub-order is the way to do that. */
  | { code: 'order/cancel-sub-order-instead'; lineNos: number[] };

/**
 * Which of a sub-order's `lines` a buyer's request cancels, and their GST-inclusive total: every
 * requested line must exist and be active, and at least one active line must remain.
 */
export function linesToCancel(
  lines: readonly { lineNo: number; lineTotalPaise: number; cancelled: boolean }[],
  requested: readonly number[],
): { ok: true; itemsPaise: number } | ({ ok: false } & LineCancelRefusal) {
  const byNo = new Map(lines.map((l) => [l.lineNo, l]));
  const unknown = requested.filter((n) => !byNo.has(n));
  if (unknown.length > 0) return { ok: false, code: 'order/unknown-lines', lineNos: unknown };
  const done = requested.filter((n) => byNo.get(n)!.cancelled);
  if (done.length > 0) return { ok: false, code: 'order/lines-already-cancelled', lineNos: done };
  const wanted = new Set(requested);
  if (lines.every((l) => l.cancelled || wanted.has(l.lineNo)))
    return { ok: false, code: 'order/cancel-sub-order-instead', lineNos: [...requested] };
  return {
    ok: true,
    itemsPaise: requested.reduce((sum, n) => sum + byNo.get(n)!.lineTotalPaise, 0),
  };
}
