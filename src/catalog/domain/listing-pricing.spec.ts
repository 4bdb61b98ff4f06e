import { checkPrices, lowestPrices, priceJumps, type PriceSet } from './listing-pricing.js';

const base: PriceSet = {
  mrpPaise: 100_000,
  b2cPricePaise: 90_000,
  b2bPricePaise: 80_000,
  b2bMinQty: 5,
  tiers: [
    { minQty: 10, pricePaise: 78_000 },
    { minQty: 50, pricePaise: 75_000 },
  ],
};

describe('checkPrices', () => {
  it('accepts a consistent price set, equal prices and no tiers', () => {
    expect(checkPrices(base)).toBeNull();
    expect(
      checkPrices({ mrpPaise: 5, b2cPricePaise: 5, b2bPricePaise: 5, b2bMinQty: null, tiers: [] }),
    ).toBeNull();
    expect(checkPrices({ ...base, tiers: [{ minQty: 6, pricePaise: 80_000 }] })).toBeNull();
  });

  it('refuses B2C above MRP and B2B above B2C', () => {
    expect(checkPrices({ ...base, b2cPricePaise: 100_001 })).toMatchObject({
      code: 'listing/b2c-above-mrp',
      field: 'b2cPricePaise',
    });
    expect(checkPrices({ ...base, b2bPricePaise: 90_001 })).toMatchObject({
      code: 'listing/b2b-above-b2c',
      field: 'b2bPricePaise',
    });
  });

  it('refuses a B2B minimum quantity below 1', () => {
    expect(checkPrices({ ...base, b2bMinQty: 0, tiers: [] })).toMatchObject({
      code: 'listing/invalid-min-qty',
    });
    expect(checkPrices({ ...base, b2bMinQty: 1.5, tiers: [] })).toMatchObject({
      code: 'listing/invalid-min-qty',
    });
  });

  it('refuses tiers out of order, not above the minimum quantity, increasing or above B2B', () => {
    const bad = (tiers: PriceSet['tiers'], field: string) =>
      expect(checkPrices({ ...base, tiers })).toMatchObject({
        code: 'listing/invalid-tiers',
        field,
      });
    bad([{ minQty: 5, pricePaise: 1 }], 'tiers.0.minQty');
    bad(
      [
        { minQty: 10, pricePaise: 70_000 },
        { minQty: 10, pricePaise: 60_000 },
      ],
      'tiers.1.minQty',
    );
    bad(
      [
        { minQty: 20, pricePaise: 70_000 },
        { minQty: 10, pricePaise: 60_000 },
      ],
      'tiers.1.minQty',
    );
    bad([{ minQty: 10, pricePaise: 80_001 }], 'tiers.0.pricePaise');
    bad(
      [
        { minQty: 10, pricePaise: 70_000 },
        { minQty: 20, pricePaise: 70_001 },
      ],
      'tiers.1.pricePaise',
    );
    expect(
      checkPrices({ ...base, b2bMinQty: null, tiers: [{ minQty: 1, pricePaise: 1 }] }),
    ).toMatchObject({ code: 'listing/invalid-tiers', field: 'tiers.0.minQty' });
    expect(
      checkPrices({
        ...base,
        tiers: Array.from({ length: 11 }, (_, i) => ({ minQty: 10 + i, pricePaise: 1 })),
      }),
    ).toMatchObject({ code: 'listing/invalid-tiers', field: 'tiers' });
  });
});

describe('priceJumps', () => {
  const p = (mrp: number, b2c: number, b2b: number) => ({
    mrpPaise: mrp,
    b2cPricePaise: b2c,
    b2bPricePaise: b2b,
  });

  it('lets decreases and increases up to the limit through', () => {
    expect(priceJumps(p(50, 40, 30), p(100, 90, 80), 30)).toEqual([]);
    expect(priceJumps(p(130, 117, 104), p(100, 90, 80), 30)).toEqual([]);
    expect(priceJumps(p(100, 90, 80), p(100, 90, 80), 0)).toEqual([]);
  });

  it('names every price raised beyond the limit', () => {
    expect(priceJumps(p(131, 90, 80), p(100, 90, 80), 30)).toEqual([
      { price: 'mrpPaise', baselinePaise: 100, proposedPaise: 131 },
    ]);
    expect(priceJumps(p(200, 150, 80), p(100, 90, 80), 30).map((j) => j.price)).toEqual([
      'mrpPaise',
      'b2cPricePaise',
    ]);
    expect(priceJumps(p(100, 90, 81), p(100, 90, 80), 0).map((j) => j.price)).toEqual([
      'b2bPricePaise',
    ]);
  });

  it('is exact for large amounts', () => {
    // 10^15 × 130 is beyond 2^53: floating point would blur the edge.
    expect(priceJumps(p(1_300_000_000_000_000, 1, 1), p(1e15, 1, 1), 30)).toEqual([]);
    expect(priceJumps(p(1_300_000_000_000_001, 1, 1), p(1e15, 1, 1), 30)).toHaveLength(1);
  });
});

describe('lowestPrices', () => {
  it('takes each price’s minimum over the sets', () => {
    expect(
      lowestPrices(
        { mrpPaise: 100, b2cPricePaise: 90, b2bPricePaise: 80 },
        { mrpPaise: 120, b2cPricePaise: 70, b2bPricePaise: 85 },
        { mrpPaise: 110, b2cPricePaise: 95, b2bPricePaise: 60 },
      ),
    ).toEqual({ mrpPaise: 100, b2cPricePaise: 70, b2bPricePaise: 60 });
  });
});
