/**
 * Pricing rules of a listing, pure: the three prices (integer paise, GST-inclusive), the optional B2B
 * minimum quantity and the B2B quantity tiers; and the price-jump rule that holds a sharp increase
 * for admin review instead of letting it go live.
 */

export interface PriceTier {
  /** From this quantity (per order line) on… */
  minQty: number;
  /** …this unit price, integer paise. */
  pricePaise: number;
}

export interface PriceSet {
  mrpPaise: number;
  b2cPricePaise: number;
  b2bPricePaise: number;
  /** Minimum quantity per order line at the B2B price; null = none. */
  b2bMinQty: number | null;
  tiers: PriceTier[];
}

export type PriceRuleCode =
  | 'listing/b2c-above-mrp'
  | 'listing/b2b-above-b2c'
  | 'listing/invalid-min-qty'
  | 'listing/invalid-tiers';

export interface PriceRuleViolation {
  code: PriceRuleCode;
  /** The offending request field (dotted path). */
  field: string;
  detail: string;
}

/** At most this many B2B tiers per listing. */
export const MAX_TIERS = 10;

/**
 * The first broken rule, or null: B2C ≤ MRP; B2B ≤ B2C; B2B minimum quantity ≥ 1; tiers by strictly
 * increasing `minQty` (each above the B2B minimum quantity, or above 1 without one), with
 * non-increasing prices, each at most the B2B price.
 */
export function checkPrices(p: PriceSet): PriceRuleViolation | null {
  if (p.b2cPricePaise > p.mrpPaise)
    return {
      code: 'listing/b2c-above-mrp',
      field: 'b2cPricePaise',
      detail: `The B2C price (${p.b2cPricePaise} paise) exceeds the MRP (${p.mrpPaise} paise)`,
    };
  if (p.b2bPricePaise > p.b2cPricePaise)
    return {
      code: 'listing/b2b-above-b2c',
      field: 'b2bPricePaise',
      detail: `The B2B price (${p.b2bPricePaise} paise) exceeds the B2C price (${p.b2cPricePaise} paise)`,
    };
  if (p.b2bMinQty !== null && (!Number.isInteger(p.b2bMinQty) || p.b2bMinQty < 1))
    return {
      code: 'listing/invalid-min-qty',
      field: 'b2bMinQty',
      detail: 'The B2B minimum quantity must be an integer of at least 1',
    };
  if (p.tiers.length > MAX_TIERS)
    return {
      code: 'listing/invalid-tiers',
      field: 'tiers',
      detail: `At most ${MAX_TIERS} tiers`,
    };
  let prevQty = p.b2bMinQty ?? 1;
  let prevPrice = p.b2bPricePaise;
  for (const [i, tier] of p.tiers.entries()) {
    if (tier.minQty <= prevQty)
      return {
        code: 'listing/invalid-tiers',
        field: `tiers.${i}.minQty`,
        detail:
          i === 0
            ? `Tier minQty must exceed the B2B minimum quantity (${prevQty})`
            : `Tier minQty must increase strictly (${tier.minQty} after ${prevQty})`,
      };
    if (tier.pricePaise > prevPrice)
      return {
        code: 'listing/invalid-tiers',
        field: `tiers.${i}.pricePaise`,
        detail:
          i === 0
            ? `A tier price (${tier.pricePaise} paise) may not exceed the B2B price (${p.b2bPricePaise} paise)`
            : `Tier prices may not increase with quantity (${tier.pricePaise} after ${prevPrice} paise)`,
      };
    prevQty = tier.minQty;
    prevPrice = tier.pricePaise;
  }
  return null;
}

/** The three headline prices, as compared by the jump rule. */
export interface HeadlinePrices {
  mrpPaise: number;
  b2cPricePaise: number;
  b2bPricePaise: number;
}

export const HEADLINE_PRICES = ['mrpPaise', 'b2cPricePaise', 'b2bPricePaise'] as const;

export interface PriceJump {
  price: (typeof HEADLINE_PRICES)[number];
  /** The lowest live price in the window (or the current one, if lower). */
  baselinePaise: number;
  proposedPaise: number;
}

/**
 * The increases beyond `maxPercent` over the baseline: per headline price, the lowest price live
 * within the window (the current live price included, so an old price still counts). Empty: the change
 * may go live (decreases and small increases always do). Integer arithmetic: an increase is too big
 * when `proposed × 100 > baseline × (100 + maxPercent)`.
 */
export function priceJumps(
  proposed: HeadlinePrices,
  baseline: HeadlinePrices,
  maxPercent: number,
): PriceJump[] {
  const jumps: PriceJump[] = [];
  for (const price of HEADLINE_PRICES) {
    const to = BigInt(proposed[price]);
    const from = BigInt(baseline[price]);
    if (to * 100n > from * BigInt(100 + maxPercent))
      jumps.push({ price, baselinePaise: baseline[price], proposedPaise: proposed[price] });
  }
  return jumps;
}

/** The per-price minimum of several price sets (the current live prices and the window's live rows). */
export function lowestPrices(first: HeadlinePrices, ...rest: HeadlinePrices[]): HeadlinePrices {
  return rest.reduce<HeadlinePrices>(
    (low, p) => ({
      mrpPaise: Math.min(low.mrpPaise, p.mrpPaise),
      b2cPricePaise: Math.min(low.b2cPricePaise, p.b2cPricePaise),
      b2bPricePaise: Math.min(low.b2bPricePaise, p.b2bPricePaise),
    }),
    { ...first },
  );
}
