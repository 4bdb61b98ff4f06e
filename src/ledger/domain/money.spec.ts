import fc from 'fast-check';

import { LedgerAssertionError } from './assert.js';
import {
  applyRate,
  Decimal,
  decimalToFraction,
  formatRupees,
  HOUSE_ROUNDING,
  mulDiv,
  parsePaise,
  removeInclusiveRate,
  splitLargestRemainder,
  sumPaise,
} from './money.js';

describe('money', () => {
  it('uses a 50-digit decimal for rates', () => {
    expect(Decimal.precision).toBe(50);
    expect(new Decimal('123456789012345678901234567890.123').times(1).toFixed(3)).toBe(
      '123456789012345678901234567890.123',
    );
  });

  it('parses and formats paise without numbers', () => {
    expect(parsePaise('118000')).toBe(118000n);
    expect(parsePaise('-5')).toBe(-5n);
    for (const bad of ['', '1.5', '01', '1e3', ' 1', '+1']) {
      expect(() => parsePaise(bad)).toThrow(LedgerAssertionError);
    }
    expect(formatRupees(118000n)).toBe('1180.00');
    expect(formatRupees(-5n)).toBe('-0.05');
    expect(formatRupees(123456n)).toBe('1234.56');
  });

  it('turns a decimal rate into an exact fraction', () => {
    expect(decimalToFraction('0.005')).toEqual({ numerator: 5n, denominator: 1000n });
    expect(decimalToFraction('18')).toEqual({ numerator: 18n, denominator: 1n });
  });

  it.each([
    // amount, rate, rounding, expected
    [1n, '0.5', 'half_up', 1n],
    [3n, '0.5', 'half_up', 2n],
    [3n, '0.5', 'half_even', 2n],
    [5n, '0.5', 'half_even', 2n],
    [7n, '0.5', 'half_even', 4n],
    [3n, '0.5', 'down', 1n],
    [3n, '0.5', 'up', 2n],
    [9440n, '0.18', 'half_up', 1699n], // 1699.2
    [9450n, '0.18', 'half_up', 1701n], // 1701.0
    [2750n, '0.18', 'half_up', 495n], // 495.0
    [2775n, '0.18', 'half_up', 500n], // 499.5 → 500
    [2775n, '0.18', 'down', 499n],
    [-3n, '0.5', 'half_up', -2n], // half away from zero
    [0n, '0.18', 'half_up', 0n],
  ] as const)('applyRate(%s, %s, %s) = %s', (amount, rate, rounding, expected) => {
    expect(applyRate(amount, rate, rounding)).toBe(expected);
  });

  it('defaults to the house rule, half up', () => {
    expect(HOUSE_ROUNDING).toBe('half_up');
    expect(applyRate(2775n, new Decimal('0.18'))).toBe(500n);
  });

  it('removes an inclusive rate: 118000 at 18% → 100000; 100 at 18% → 85 (84.745…)', () => {
    expect(removeInclusiveRate(118000n, '0.18')).toBe(100000n);
    expect(removeInclusiveRate(100n, '0.18')).toBe(85n);
    expect(removeInclusiveRate(59n, '0.18')).toBe(50n);
  });

  it('mulDiv handles negative denominators and rejects zero', () => {
    expect(mulDiv(10n, 1n, -4n, 'half_up')).toBe(-3n);
    expect(() => mulDiv(1n, 1n, 0n, 'half_up')).toThrow(LedgerAssertionError);
  });

  it('applyRate is exact where a 20-digit decimal would not be', () => {
    const big = 9_000_000_000_000_000_000n; // 9e18 paise
    expect(applyRate(big, '0.001')).toBe(9_000_000_000_000_000n);
    expect(applyRate(big + 1n, '0.5', 'down')).toBe(4_500_000_000_000_000_000n);
  });

  it('property: applyRate half_up is within half a paisa of the exact product and monotone', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.integer({ min: 0, max: 100000 }),
        (a, b, r) => {
          const rate = new Decimal(r).div(100000);
          const ra = applyRate(a, rate);
          const exactTimes2 = a * BigInt(r) * 2n; // 2 × exact × 100000
          const diff = ra * 200000n - exactTimes2;
          expect(diff >= -100000n && diff <= 100000n).toBe(true);
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(applyRate(lo, rate) <= applyRate(hi, rate)).toBe(true);
        },
      ),
    );
  });

  describe('splitLargestRemainder', () => {
    it('splits 100 paise three ways as 34/33/33 (tie to the lowest index)', () => {
      expect(splitLargestRemainder(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
      expect(splitLargestRemainder(101n, [1n, 1n, 1n])).toEqual([34n, 34n, 33n]);
    });

    it('gives the leftover to the largest remainders', () => {
      // exact shares 10 × (0.1, 0.25, 0.65) = 1, 2.5, 6.5 → floors 1,2,6, leftover 1 → tie 2.5/6.5 → index 1
      expect(splitLargestRemainder(10n, [10n, 25n, 65n])).toEqual([1n, 3n, 6n]);
      // 7 × (1/6, 2/6, 3/6) = 1.1667, 2.333, 3.5 → floors 1,2,3, leftover 1 → index 2 (0.5 largest)
      expect(splitLargestRemainder(7n, [1n, 2n, 3n])).toEqual([1n, 2n, 4n]);
    });

    it('accepts decimal weights exactly', () => {
      expect(splitLargestRemainder(1000n, [new Decimal('0.333'), new Decimal('0.667')])).toEqual([
        333n,
        667n,
      ]);
      expect(splitLargestRemainder(1n, [new Decimal('0.5'), new Decimal('0.5')])).toEqual([1n, 0n]);
    });

    it('never gives paise to a zero weight', () => {
      expect(splitLargestRemainder(5n, [0n, 1n, 0n, 1n])).toEqual([0n, 3n, 0n, 2n]);
    });

    it('rejects bad input', () => {
      expect(() => splitLargestRemainder(-1n, [1n])).toThrow(LedgerAssertionError);
      expect(() => splitLargestRemainder(1n, [])).toThrow(LedgerAssertionError);
      expect(() => splitLargestRemainder(1n, [0n, 0n])).toThrow(LedgerAssertionError);
      expect(() => splitLargestRemainder(1n, [-1n, 2n])).toThrow(LedgerAssertionError);
    });

    it('property: parts sum to the whole and each is within one paisa of its exact share', () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: 0n, max: 10n ** 18n }),
          fc
            .array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 20 })
            .filter((ws) => sumPaise(ws) > 0n),
          (total, weights) => {
            const parts = splitLargestRemainder(total, weights);
            expect(sumPaise(parts)).toBe(total);
            const w = sumPaise(weights);
            parts.forEach((p, i) => {
              // |p − total·wᵢ/W| < 1  ⇔  |p·W − total·wᵢ| < W
              const d = p * w - total * weights[i];
              expect(d > -w && d < w).toBe(true);
              expect(p >= 0n).toBe(true);
            });
            expect(splitLargestRemainder(total, weights)).toEqual(parts); // deterministic
          },
        ),
      );
    });

    it('property: decimal weights behave like their scaled integer weights', () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: 0n, max: 10n ** 12n }),
          fc
            .array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 8 })
            .filter((ws) => ws.some((x) => x > 0)),
          (total, ws) => {
            const decimals = ws.map((x) => new Decimal(x).div(10000));
            expect(splitLargestRemainder(total, decimals)).toEqual(
              splitLargestRemainder(
                total,
                ws.map((x) => BigInt(x)),
              ),
            );
          },
        ),
      );
    });
  });
});
