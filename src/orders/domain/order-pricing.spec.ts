import fc from 'fast-check';
import {
  buyerMayCancel,
  deliveryFeeOf,
  deliverySharesOf,
  saleLinesOf,
  lineProblemsOf,
  linesToCancel,
  MAX_ORDER_PAISE,
  minimumCheckOf,
  priceCart,
  supplyOf,
  taxOf,
  unitPriceOf,
  type BuyChannel,
  type DeliveryRule,
  type PricedListing,
} from './order-pricing.js';
import type { PriceTier } from '../../catalog/domain/listing-pricing.js';

const listing = (over: Partial<PricedListing> = {}): PricedListing => ({
  listingId: 'l-1',
  dealerId: 'd-1',
  dealerName: 'Dealer One',
  dealerGstin: '29ABCDE1234F1Z5',
  sku: 'SKU-1',
  name: 'Display assembly',
  brand: 'Acme',
  condition: 'new',
  hsnCode: '85177900',
  gstRateBps: 1800,
  mrpPaise: 100_000,
  b2cPricePaise: 90_000,
  b2bPricePaise: 80_000,
  b2bMinQty: 5,
  tiers: [
    { minQty: 10, pricePaise: 78_000 },
    { minQty: 50, pricePaise: 75_000 },
  ],
  available: 1_000,
  buyable: true,
  ownListing: false,
  ...over,
});

const RULE: DeliveryRule = { flatFeePaise: 5_000, freeFromPaise: 100_000 };

describe('unitPriceOf', () => {
  it('B2B: the B2B price below the first tier, then the highest tier reached, from its exact quantity', () => {
    const l = listing();
    expect(unitPriceOf(l, 'b2b', 1)).toBe(80_000);
    expect(unitPriceOf(l, 'b2b', 9)).toBe(80_000);
    expect(unitPriceOf(l, 'b2b', 10)).toBe(78_000);
    expect(unitPriceOf(l, 'b2b', 11)).toBe(78_000);
    expect(unitPriceOf(l, 'b2b', 49)).toBe(78_000);
    expect(unitPriceOf(l, 'b2b', 50)).toBe(75_000);
    expect(unitPriceOf(l, 'b2b', 10_000)).toBe(75_000);
  });

  it('B2B without tiers: the B2B price at any quantity', () => {
    const l = listing({ tiers: [] });
    for (const q of [1, 10, 50, 10_000]) expect(unitPriceOf(l, 'b2b', q)).toBe(80_000);
  });

  it('B2C ignores tiers and the B2B price', () => {
    const l = listing();
    for (const q of [1, 9, 10, 50, 10_000]) expect(unitPriceOf(l, 'b2c', q)).toBe(90_000);
  });
});

describe('taxOf', () => {
  it('splits GST out of an inclusive price (hand-computed examples)', () => {
    // 11800 / 1.18 = 10000 exactly.
    expect(taxOf(11_800, 1800, 'intra_state')).toEqual({
      taxableValuePaise: 10_000,
      taxPaise: 1_800,
      cgstPaise: 900,
      sgstPaise: 900,
      igstPaise: 0,
    });
    // 100 / 1.18 = 84.75… → 85; tax 15, odd: SGST ⌊7.5⌋ = 7, CGST the rest 8.
    expect(taxOf(100, 1800, 'intra_state')).toEqual({
      taxableValuePaise: 85,
      taxPaise: 15,
      cgstPaise: 8,
      sgstPaise: 7,
      igstPaise: 0,
    });
    // 0 %: everything taxable.
    expect(taxOf(12_345, 0, 'intra_state')).toEqual({
      taxableValuePaise: 12_345,
      taxPaise: 0,
      cgstPaise: 0,
      sgstPaise: 0,
      igstPaise: 0,
    });
    // 28 %: 12800 / 1.28 = 10000; 1000 / 1.28 = 781.25 → 781, tax 219 → 110 + 109.
    expect(taxOf(12_800, 2800, 'intra_state')).toMatchObject({
      taxableValuePaise: 10_000,
      cgstPaise: 1_400,
      sgstPaise: 1_400,
    });
    expect(taxOf(1_000, 2800, 'intra_state')).toEqual({
      taxableValuePaise: 781,
      taxPaise: 219,
      cgstPaise: 110,
      sgstPaise: 109,
      igstPaise: 0,
    });
    // 5 %: 10500 / 1.05 = 10000.
    expect(taxOf(10_500, 500, 'intra_state')).toMatchObject({
      taxableValuePaise: 10_000,
      taxPaise: 500,
    });
    // 1 paisa: 1 / 1.18 = 0.85 → 1, no tax; same at 28 % (0.78 → 1).
    for (const rate of [0, 500, 1200, 1800, 2800])
      expect(taxOf(1, rate, 'intra_state')).toEqual({
        taxableValuePaise: 1,
        taxPaise: 0,
        cgstPaise: 0,
        sgstPaise: 0,
        igstPaise: 0,
      });
  });

  it('rounds an exact half up', () => {
    // 16 / 1.28 = 12.5 → 13, tax 3 → CGST 2, SGST 1.
    expect(taxOf(16, 2800, 'intra_state')).toEqual({
      taxableValuePaise: 13,
      taxPaise: 3,
      cgstPaise: 2,
      sgstPaise: 1,
      igstPaise: 0,
    });
    // 14 / 1.12 = 12.5 → 13, tax 1 → CGST 1, SGST 0.
    expect(taxOf(14, 1200, 'intra_state')).toEqual({
      taxableValuePaise: 13,
      taxPaise: 1,
      cgstPaise: 1,
      sgstPaise: 0,
      igstPaise: 0,
    });
  });

  it('is all IGST across states, and split like within a state while the delivery state is unknown', () => {
    expect(taxOf(100, 1800, 'inter_state')).toEqual({
      taxableValuePaise: 85,
      taxPaise: 15,
      cgstPaise: 0,
      sgstPaise: 0,
      igstPaise: 15,
    });
    expect(taxOf(100, 1800, null)).toEqual(taxOf(100, 1800, 'intra_state'));
  });

  it('property: parts sum to the total, taxable value is the nearest integer (half up), CGST − SGST ∈ {0, 1}', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000_000 }),
        fc.constantFrom(0, 500, 1200, 1800, 2800),
        fc.constantFrom('intra_state' as const, 'inter_state' as const, null),
        (total, rate, supply) => {
          const t = taxOf(total, rate, supply);
          expect(t.taxableValuePaise + t.cgstPaise + t.sgstPaise + t.igstPaise).toBe(total);
          expect(t.cgstPaise + t.sgstPaise + t.igstPaise).toBe(t.taxPaise);
          expect(t.taxPaise).toBeGreaterThanOrEqual(0);
          for (const v of Object.values(t)) expect(Number.isSafeInteger(v)).toBe(true);
          // taxable − ½ ≤ total × 10000 / (10000 + rate) < taxable + ½, times 2 × (10000 + rate).
          const den = 10_000n + BigInt(rate);
          const diff = 2n * BigInt(total) * 10_000n - 2n * BigInt(t.taxableValuePaise) * den;
          expect(diff >= -den && diff < den).toBe(true);
          if (supply === 'inter_state') {
            expect(t.cgstPaise).toBe(0);
            expect(t.sgstPaise).toBe(0);
          } else {
            expect(t.igstPaise).toBe(0);
            expect(t.cgstPaise - t.sgstPaise === 0 || t.cgstPaise - t.sgstPaise === 1).toBe(true);
            expect(t.sgstPaise).toBe(Math.floor(t.taxPaise / 2));
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('supplyOf', () => {
  it('compares the GSTIN state code with the delivery state; unknown without one', () => {
    expect(supplyOf('29ABCDE1234F1Z5', '29')).toBe('intra_state');
    expect(supplyOf('29ABCDE1234F1Z5', '07')).toBe('inter_state');
    expect(supplyOf('07ABCDE1234F1Z5', '07')).toBe('intra_state');
    expect(supplyOf('29ABCDE1234F1Z5', null)).toBeNull();
  });
});

describe('deliveryFeeOf', () => {
  it('charges the flat fee below the threshold and nothing from it on', () => {
    expect(deliveryFeeOf(RULE, 0)).toBe(5_000);
    expect(deliveryFeeOf(RULE, 99_999)).toBe(5_000);
    expect(deliveryFeeOf(RULE, 100_000)).toBe(0);
    expect(deliveryFeeOf(RULE, 100_001)).toBe(0);
  });

  it('never waives the fee without a threshold', () => {
    const rule = { flatFeePaise: 4_900, freeFromPaise: null };
    for (const items of [0, 1, 100_000, MAX_ORDER_PAISE])
      expect(deliveryFeeOf(rule, items)).toBe(4_900);
  });

  it('a zero fee stays zero', () => {
    expect(deliveryFeeOf({ flatFeePaise: 0, freeFromPaise: null }, 1)).toBe(0);
  });
});

describe('minimumCheckOf', () => {
  it('is met exactly at the minimum and short by one paisa just below', () => {
    expect(minimumCheckOf(1_000_000, 1_000_000)).toEqual({
      minimumPaise: 1_000_000,
      met: true,
      shortfallPaise: 0,
    });
    expect(minimumCheckOf(999_999, 1_000_000)).toEqual({
      minimumPaise: 1_000_000,
      met: false,
      shortfallPaise: 1,
    });
    expect(minimumCheckOf(2_000_000, 1_000_000)).toMatchObject({ met: true, shortfallPaise: 0 });
    expect(minimumCheckOf(0, 50_000)).toMatchObject({ met: false, shortfallPaise: 50_000 });
  });
});

describe('lineProblemsOf', () => {
  it('no problem for a buyable line within stock and minimums', () => {
    expect(lineProblemsOf(listing(), 'b2b', 5)).toEqual([]);
    expect(lineProblemsOf(listing(), 'b2c', 1)).toEqual([]);
  });

  it('refuses the buyer’s own listing, alone, whatever else is wrong', () => {
    expect(
      lineProblemsOf(listing({ ownListing: true, buyable: false, available: 0 }), 'b2b', 1),
    ).toEqual([{ code: 'own-listing', detail: 'You cannot buy your own listing' }]);
  });

  it('an unavailable listing is only that', () => {
    expect(lineProblemsOf(listing({ buyable: false, available: 0 }), 'b2b', 1)).toEqual([
      { code: 'unavailable', detail: 'Display assembly is not available for sale' },
    ]);
  });

  it('the B2B minimum quantity applies to business buyers only, from its exact quantity', () => {
    expect(lineProblemsOf(listing(), 'b2b', 4)).toEqual([
      {
        code: 'below-min-quantity',
        detail: 'Display assembly sells to businesses from 5 units (asked: 4)',
      },
    ]);
    expect(lineProblemsOf(listing(), 'b2b', 5)).toEqual([]);
    expect(lineProblemsOf(listing(), 'b2c', 1)).toEqual([]);
    expect(lineProblemsOf(listing({ b2bMinQty: null }), 'b2b', 1)).toEqual([]);
  });

  it('insufficient stock beyond what is available (never a negative count), with the minimum problem too', () => {
    expect(lineProblemsOf(listing({ available: 7 }), 'b2c', 7)).toEqual([]);
    expect(lineProblemsOf(listing({ available: 7 }), 'b2c', 8)).toEqual([
      {
        code: 'insufficient-stock',
        detail: 'Only 7 of Display assembly available (asked: 8)',
      },
    ]);
    expect(lineProblemsOf(listing({ available: -2 }), 'b2c', 1)).toEqual([
      {
        code: 'insufficient-stock',
        detail: 'Only 0 of Display assembly available (asked: 1)',
      },
    ]);
    expect(lineProblemsOf(listing({ available: 3 }), 'b2b', 4).map((p) => p.code)).toEqual([
      'below-min-quantity',
      'insufficient-stock',
    ]);
  });
});

describe('priceCart', () => {
  const a1 = listing({
    listingId: 'a1',
    dealerId: 'A',
    dealerName: 'A Parts',
    dealerGstin: '29AAAAA0000A1Z5',
  });
  const b1 = listing({
    listingId: 'b1',
    dealerId: 'B',
    dealerName: 'B Spares',
    dealerGstin: '07BBBBB0000B1Z5',
    b2cPricePaise: 11_800,
    gstRateBps: 1800,
  });
  const a2 = listing({
    listingId: 'a2',
    dealerId: 'A',
    dealerName: 'A Parts',
    dealerGstin: '29AAAAA0000A1Z5',
    b2cPricePaise: 1_000,
    gstRateBps: 2800,
  });

  const cart = (
    lines: { listing: PricedListing; quantity: number }[],
    over: Partial<{
      channel: BuyChannel;
      minimumPaise: number;
      placeOfSupplyStateCode: string | null;
      delivery: DeliveryRule;
    }> = {},
  ) =>
    priceCart({
      channel: 'b2c',
      lines,
      delivery: RULE,
      minimumPaise: 50_000,
      placeOfSupplyStateCode: null,
      ...over,
    });

  it('groups lines by dealer in first-seen order, with delivery per group and the totals', () => {
    const c = cart(
      [
        { listing: a1, quantity: 2 },
        { listing: b1, quantity: 1 },
        { listing: a2, quantity: 3 },
      ],
      { placeOfSupplyStateCode: '29' },
    );
    expect(c.groups.map((g) => g.dealerId)).toEqual(['A', 'B']);
    const [A, B] = c.groups;
    expect(
      A!.lines.map((l) => [l.listing.listingId, l.quantity, l.unitPricePaise, l.lineTotalPaise]),
    ).toEqual([
      ['a1', 2, 90_000, 180_000],
      ['a2', 3, 1_000, 3_000],
    ]);
    expect(A).toMatchObject({
      dealerName: 'A Parts',
      dealerGstin: '29AAAAA0000A1Z5',
      supply: 'intra_state',
      itemsPaise: 183_000,
      deliveryPaise: 0, // 183000 ≥ 100000: free
      totalPaise: 183_000,
    });
    // 180000 / 1.18 = 152542.37… → 152542, tax 27458; 3000 / 1.28 = 2343.75 → 2344, tax 656.
    expect(A!.lines[0]!.tax).toEqual({
      taxableValuePaise: 152_542,
      taxPaise: 27_458,
      cgstPaise: 13_729,
      sgstPaise: 13_729,
      igstPaise: 0,
    });
    expect(A!.lines[1]!.tax).toMatchObject({ taxableValuePaise: 2_344, taxPaise: 656 });
    expect(A!.taxPaise).toBe(27_458 + 656);
    // B's delivery (5000) is all its one line's: 16800 / 1.18 = 14237.28… → 14237, tax 2563.
    expect(B).toMatchObject({
      dealerId: 'B',
      supply: 'inter_state',
      itemsPaise: 11_800,
      deliveryPaise: 5_000,
      totalPaise: 16_800,
      taxPaise: 2_563,
    });
    expect(B!.lines[0]!.deliverySharePaise).toBe(5_000);
    expect(B!.lines[0]!.tax).toEqual({
      taxableValuePaise: 14_237,
      taxPaise: 2_563,
      cgstPaise: 0,
      sgstPaise: 0,
      igstPaise: 2_563,
    });
    expect(c).toMatchObject({
      channel: 'b2c',
      itemsPaise: 194_800,
      deliveryPaise: 5_000,
      totalPaise: 199_800,
      minimum: { minimumPaise: 50_000, met: true, shortfallPaise: 0 },
      ready: true,
      tooLarge: false,
    });
  });

  it('a group exactly at the free-delivery threshold pays no delivery; one paisa below pays', () => {
    const at = listing({ b2cPricePaise: 50_000 });
    expect(cart([{ listing: at, quantity: 2 }]).groups[0]).toMatchObject({
      itemsPaise: 100_000,
      deliveryPaise: 0,
    });
    const below = listing({ b2cPricePaise: 99_999 });
    expect(cart([{ listing: below, quantity: 1 }])).toMatchObject({
      itemsPaise: 99_999,
      deliveryPaise: 5_000,
      totalPaise: 104_999,
    });
  });

  it('applies B2B tiers and the B2B minimum quantity for a business buyer', () => {
    const c = cart([{ listing: a1, quantity: 10 }], { channel: 'b2b', minimumPaise: 1_000_000 });
    expect(c.groups[0]!.lines[0]).toMatchObject({
      unitPricePaise: 78_000,
      lineTotalPaise: 780_000,
    });
    expect(c.minimum).toEqual({ minimumPaise: 1_000_000, met: false, shortfallPaise: 220_000 });
    expect(c.ready).toBe(false);
    const few = cart([{ listing: a1, quantity: 4 }], { channel: 'b2b', minimumPaise: 0 });
    expect(few.groups[0]!.lines[0]!.problems.map((p) => p.code)).toEqual(['below-min-quantity']);
    expect(few.ready).toBe(false);
  });

  it('the minimum counts items with GST and without delivery: exactly at it is ready, one paisa short is not', () => {
    const l = listing({ b2cPricePaise: 25_000 });
    const at = cart([{ listing: l, quantity: 2 }], { minimumPaise: 50_000 });
    expect(at).toMatchObject({ itemsPaise: 50_000, deliveryPaise: 5_000, ready: true });
    expect(at.minimum).toEqual({ minimumPaise: 50_000, met: true, shortfallPaise: 0 });
    const short = cart([{ listing: l, quantity: 2 }], { minimumPaise: 50_001 });
    expect(short.minimum).toEqual({ minimumPaise: 50_001, met: false, shortfallPaise: 1 });
    expect(short.totalPaise).toBeGreaterThan(50_001); // the delivery does not count
    expect(short.ready).toBe(false);
  });

  it('is not ready when any line has a problem', () => {
    for (const bad of [
      listing({ listingId: 'x', ownListing: true }),
      listing({ listingId: 'x', buyable: false }),
      listing({ listingId: 'x', available: 0 }),
    ]) {
      const c = cart([
        { listing: a1, quantity: 1 },
        { listing: bad, quantity: 1 },
      ]);
      expect(c.minimum.met).toBe(true);
      expect(c.ready).toBe(false);
      expect(c.tooLarge).toBe(false);
    }
  });

  it('an empty cart is not ready, even with no minimum', () => {
    expect(cart([], { minimumPaise: 0 })).toEqual({
      channel: 'b2c',
      groups: [],
      itemsPaise: 0,
      deliveryPaise: 0,
      totalPaise: 0,
      minimum: { minimumPaise: 0, met: true, shortfallPaise: 0 },
      ready: false,
      tooLarge: false,
    });
  });

  it('is too large above MAX_ORDER_PAISE (items and delivery), not at it', () => {
    const max = listing({ b2cPricePaise: MAX_ORDER_PAISE / 1_000, available: 10_000 });
    const free = { flatFeePaise: 5_000, freeFromPaise: 100_000 };
    const atMax = cart([{ listing: max, quantity: 1_000 }], { delivery: free });
    expect(atMax).toMatchObject({ totalPaise: MAX_ORDER_PAISE, tooLarge: false, ready: true });

    const over = cart([{ listing: max, quantity: 1_001 }], { delivery: free });
    expect(over).toMatchObject({ tooLarge: true, ready: false });

    // Items exactly at the limit, but a paid delivery on top.
    const paid = cart([{ listing: max, quantity: 1_000 }], {
      delivery: { flatFeePaise: 1, freeFromPaise: null },
    });
    expect(paid).toMatchObject({
      itemsPaise: MAX_ORDER_PAISE,
      totalPaise: MAX_ORDER_PAISE + 1,
      tooLarge: true,
      ready: false,
    });

    // Two dealers each under the limit, together above it.
    const half = listing({ dealerId: 'H1', b2cPricePaise: MAX_ORDER_PAISE / 2, available: 10 });
    const half2 = listing({
      dealerId: 'H2',
      b2cPricePaise: MAX_ORDER_PAISE / 2 + 1,
      available: 10,
    });
    expect(
      cart(
        [
          { listing: half, quantity: 1 },
          { listing: half2, quantity: 1 },
        ],
        { delivery: free },
      ),
    ).toMatchObject({ tooLarge: true, ready: false });
  });

  it('property: totals are the sums of the groups, groups the sums of their lines, every line priced once', () => {
    const dealerIds = ['A', 'B', 'C'];
    const arbListing = fc.record({
      listingId: fc.uuid(),
      dealerId: fc.constantFrom(...dealerIds),
      gstRateBps: fc.constantFrom(0, 500, 1200, 1800, 2800),
      b2cPricePaise: fc.integer({ min: 1, max: 2_000_000 }),
      b2bPricePaise: fc.integer({ min: 1, max: 2_000_000 }),
      b2bMinQty: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
      tiers: fc.constantFrom<PriceTier[][]>(
        [],
        [{ minQty: 25, pricePaise: 1 }],
        [
          { minQty: 10, pricePaise: 100 },
          { minQty: 30, pricePaise: 50 },
        ],
      ),
      available: fc.integer({ min: -5, max: 100 }),
      buyable: fc.boolean(),
      ownListing: fc.boolean(),
    });
    const arbLine = fc.record({
      listing: arbListing.map((o) =>
        listing({
          ...o,
          dealerName: `Dealer ${o.dealerId}`,
          dealerGstin: o.dealerId === 'A' ? '29AAAAA0000A1Z5' : '07BBBBB0000B1Z5',
        }),
      ),
      quantity: fc.integer({ min: 1, max: 60 }),
    });
    fc.assert(
      fc.property(
        fc.array(arbLine, { maxLength: 12 }),
        fc.constantFrom<BuyChannel>('b2b', 'b2c'),
        fc.record({
          flatFeePaise: fc.integer({ min: 0, max: 20_000 }),
          freeFromPaise: fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: null }),
        }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom('29', '07', null),
        (lines, channel, delivery, minimumPaise, placeOfSupplyStateCode) => {
          const c = priceCart({ channel, lines, delivery, minimumPaise, placeOfSupplyStateCode });
          const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
          const seen = [...new Set(lines.map((l) => l.listing.dealerId))];
          expect(c.groups.map((g) => g.dealerId)).toEqual(seen);
          for (const g of c.groups) {
            expect(g.lines.map((l) => l.listing)).toEqual(
              lines.filter((l) => l.listing.dealerId === g.dealerId).map((l) => l.listing),
            );
            for (const l of g.lines) {
              expect(l.unitPricePaise).toBe(unitPriceOf(l.listing, channel, l.quantity));
              expect(l.lineTotalPaise).toBe(l.unitPricePaise * l.quantity);
              expect(l.tax).toEqual(
                taxOf(
                  l.lineTotalPaise + l.deliverySharePaise,
                  l.listing.gstRateBps,
                  supplyOf(g.dealerGstin, placeOfSupplyStateCode),
                ),
              );
              expect(l.problems).toEqual(lineProblemsOf(l.listing, channel, l.quantity));
            }
            expect(g.itemsPaise).toBe(sum(g.lines.map((l) => l.lineTotalPaise)));
            expect(g.taxPaise).toBe(sum(g.lines.map((l) => l.tax.taxPaise)));
            // The delivery charge is carried whole by the lines (and taxed with them).
            expect(sum(g.lines.map((l) => l.deliverySharePaise))).toBe(g.deliveryPaise);
            expect(g.deliveryPaise).toBe(deliveryFeeOf(delivery, g.itemsPaise));
            expect(g.totalPaise).toBe(g.itemsPaise + g.deliveryPaise);
          }
          expect(sum(c.groups.map((g) => g.lines.length))).toBe(lines.length);
          expect(c.itemsPaise).toBe(sum(c.groups.map((g) => g.itemsPaise)));
          expect(c.deliveryPaise).toBe(sum(c.groups.map((g) => g.deliveryPaise)));
          expect(c.totalPaise).toBe(sum(c.groups.map((g) => g.totalPaise)));
          expect(c.totalPaise).toBe(c.itemsPaise + c.deliveryPaise);
          expect(c.minimum).toEqual(minimumCheckOf(c.itemsPaise, minimumPaise));
          expect(c.tooLarge).toBe(c.totalPaise > MAX_ORDER_PAISE);
          const problems = c.groups.some((g) => g.lines.some((l) => l.problems.length > 0));
          expect(c.ready).toBe(lines.length > 0 && !problems && c.minimum.met && !c.tooLarge);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('buyerMayCancel', () => {
  it('allows cancelling everything, or leaving at least the minimum', () => {
    expect(buyerMayCancel(0, 1_000_000)).toEqual({ ok: true });
    expect(buyerMayCancel(1_000_000, 1_000_000)).toEqual({ ok: true });
    expect(buyerMayCancel(1_500_000, 1_000_000)).toEqual({ ok: true });
  });

  it('refuses leaving less than the minimum, with the shortfall', () => {
    expect(buyerMayCancel(999_999, 1_000_000)).toEqual({ ok: false, shortfallPaise: 1 });
    expect(buyerMayCancel(1, 1_000_000)).toEqual({ ok: false, shortfallPaise: 999_999 });
  });

  it('property: allowed iff nothing remains or the remainder reaches the minimum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_ORDER_PAISE }),
        fc.integer({ min: 0, max: MAX_ORDER_PAISE }),
        (remaining, minimum) => {
          const r = buyerMayCancel(remaining, minimum);
          if (remaining === 0 || remaining >= minimum) expect(r).toEqual({ ok: true });
          else expect(r).toEqual({ ok: false, shortfallPaise: minimum - remaining });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('delivery is split over the lines pro rata to their taxable value and taxed at each line’s rate', () => {
    // ₹219 at 18 % (taxable 18559) and ₹100 at 5 % (taxable 9524), ₹49 delivery:
    // 4900 × 18559 / 28083 = 3238.23 → 3238, 4900 × 9524 / 28083 = 1661.77 → 1662 (largest remainder).
    const lines = [
      { lineTotalPaise: 21_900, gstRateBps: 1800 },
      { lineTotalPaise: 10_000, gstRateBps: 500 },
    ];
    expect(deliverySharesOf(lines, 4_900)).toEqual([3_238, 1_662]);
    expect(deliverySharesOf(lines, 0)).toEqual([0, 0]);
    expect(saleLinesOf(lines, 4_900)).toEqual([
      { grossPaise: 25_138, deliverySharePaise: 3_238, gstRateBps: 1800 },
      { grossPaise: 11_662, deliverySharePaise: 1_662, gstRateBps: 500 },
    ]);
    // Taxed: 25138 / 1.18 = 21303.39 → 21303 (tax 3835); 11662 / 1.05 = 11106.67 → 11107 (tax 555).
    const c = priceCart({
      channel: 'b2c',
      lines: [
        {
          listing: listing({ listingId: 'x1', b2cPricePaise: 21_900, gstRateBps: 1800 }),
          quantity: 1,
        },
        {
          listing: listing({ listingId: 'x2', b2cPricePaise: 10_000, gstRateBps: 500 }),
          quantity: 1,
        },
      ],
      delivery: { flatFeePaise: 4_900, freeFromPaise: null },
      minimumPaise: 0,
      placeOfSupplyStateCode: '29',
    });
    const [g] = c.groups;
    expect(
      g!.lines.map((l) => [l.deliverySharePaise, l.tax.taxableValuePaise, l.tax.taxPaise]),
    ).toEqual([
      [3_238, 21_303, 3_835],
      [1_662, 11_107, 555],
    ]);
    expect(g!.taxPaise).toBe(3_835 + 555);
    expect(g!.totalPaise).toBe(21_900 + 10_000 + 4_900);
  });
});

describe('linesToCancel', () => {
  const lines = [
    { lineNo: 1, lineTotalPaise: 30_000, cancelled: false },
    { lineNo: 2, lineTotalPaise: 45_000, cancelled: false },
    { lineNo: 3, lineTotalPaise: 12_500, cancelled: true },
    { lineNo: 4, lineTotalPaise: 8_000, cancelled: false },
  ];

  it('sums the requested active lines when one active line is left', () => {
    expect(linesToCancel(lines, [2])).toEqual({ ok: true, itemsPaise: 45_000 });
    expect(linesToCancel(lines, [4, 1])).toEqual({ ok: true, itemsPaise: 38_000 });
  });

  it('refuses unknown lines, cancelled lines and every active line', () => {
    expect(linesToCancel(lines, [1, 9, 0])).toEqual({
      ok: false,
      code: 'order/unknown-lines',
      lineNos: [9, 0],
    });
    expect(linesToCancel(lines, [3, 1])).toEqual({
      ok: false,
      code: 'order/lines-already-cancelled',
      lineNos: [3],
    });
    expect(linesToCancel(lines, [1, 2, 4])).toEqual({
      ok: false,
      code: 'order/cancel-sub-order-instead',
      lineNos: [1, 2, 4],
    });
  });
});
