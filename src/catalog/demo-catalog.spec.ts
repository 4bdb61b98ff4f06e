import { demoListingsFor } from './demo-catalog.js';

describe('demo catalog', () => {
  const all = [0, 1, 2, 3].map(demoListingsFor);

  it('is a few hundred believable parts over several dealers, the same on every machine', () => {
    const total = all.reduce((n, l) => n + l.length, 0);
    expect(total).toBeGreaterThanOrEqual(250);
    expect(total).toBeLessThanOrEqual(500);
    expect(demoListingsFor(1)).toEqual(all[1]);
    expect(new Set(all.flat().map((l) => l.compatibleModels[0])).size).toBeGreaterThan(20);
  });

  it('keeps the pricing rules: B2B ≤ B2C ≤ MRP, tiers below B2B, SKUs unique per dealer', () => {
    for (const listings of all) {
      expect(new Set(listings.map((l) => l.sku)).size).toBe(listings.length);
      for (const l of listings) {
        expect(l.b2cPricePaise).toBeLessThanOrEqual(l.mrpPaise);
        expect(l.b2bPricePaise).toBeLessThanOrEqual(l.b2cPricePaise);
        expect(l.b2bPricePaise).toBeGreaterThan(0n);
        let prev = l.b2bPricePaise;
        for (const t of l.b2bTiers) {
          expect(t.pricePaise).toBeLessThanOrEqual(prev);
          prev = t.pricePaise;
        }
        expect(l.sku).toMatch(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/);
      }
    }
  });
});
