/**
 * Money: integer paise as `bigint`. Rates: decimal.js with 50 significant digits (the default 20
 * is too few for paise-scale products). A rate is converted to an exact fraction before it
 * touches an amount, so every money result is computed in exact integer arithmetic and rounded once.
 */
import { Decimal as BaseDecimal } from 'decimal.js';

import { assert } from './assert.js';

export const Decimal = BaseDecimal.clone({ precision: 50 });
export type Decimal = BaseDecimal;

/** An amount in paise (1 INR = 100 paise). */
export type Paise = bigint;

/**
 * The largest amount of one line, one entry or one post: 10^15 paise (₹10 lakh crore). Below 2^53,
 * so every amount is an exact JSON number, and far below any counter limit.
 */
export const MAX_PAISE: Paise = 1_000_000_000_000_000n;

/**
 * The largest value of an account counter (`numeric(38,0)` columns): 10^38 − 1 paise. At MAX_PAISE
 * per line, reaching it takes 10^23 entries, so an account without a floor — whose counters are not
 * read when it is posted to — can never overflow in practice.
 */
export const MAX_COUNTER_PAISE: Paise = 10n ** 38n - 1n;

export type Rounding = 'half_up' | 'half_even' | 'down' | 'up';

/**
 * The house rounding rule: round half up (away from zero) to the paisa, once per tax or fee line,
 * on that line's own base. Indian GST practice (section 170 CGST Act) rounds tax to the nearest
 * rupee/paisa with halves up; rounding per line on its base makes each line reproducible from the
 * invoice alone, and never derives one tax from another's rounded value.
 */
export const HOUSE_ROUNDING: Rounding = 'half_up';

export function isPaise(value: unknown): value is Paise {
  return typeof value === 'bigint';
}

/** Parses a decimal integer string of paise (`"118000"`, `"-5"`); rejects anything else. */
export function parsePaise(text: string): Paise {
  assert(
    /^-?(0|[1-9][0-9]*)$/.test(text),
    `not an integer amount of paise: ${JSON.stringify(text)}`,
  );
  return BigInt(text);
}

export function sumPaise(amounts: readonly Paise[]): Paise {
  let total = 0n;
  for (const amount of amounts) total += amount;
  return total;
}

export function minPaise(a: Paise, b: Paise): Paise {
  return a < b ? a : b;
}

/** `12345n` → `"123.45"` (rupees, for humans and reports only). */
export function formatRupees(amount: Paise): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const rupees = abs / 100n;
  const paise = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${rupees.toString()}.${paise}`;
}

/** An exact fraction `numerator / denominator` (denominator > 0). */
export interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** Converts a finite decimal (a rate) to the exact fraction it denotes: `0.005` → `5/1000`. */
export function decimalToFraction(value: Decimal | string): Fraction {
  const d = typeof value === 'string' ? new Decimal(value) : value;
  assert(d.isFinite(), 'rate must be finite');
  const places = d.decimalPlaces();
  const denominator = 10n ** BigInt(places);
  const scaled = d.times(new Decimal(10).pow(places));
  assert(scaled.isInteger(), 'rate scaling must be exact');
  return { numerator: BigInt(scaled.toFixed(0)), denominator };
}

/** `round(a × numerator / denominator)` in exact integer arithmetic with the given rounding. */
export function mulDiv(
  a: bigint,
  numerator: bigint,
  denominator: bigint,
  rounding: Rounding,
): bigint {
  assert(denominator !== 0n, 'division by zero');
  let n = a * numerator;
  let d = denominator;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  const r = abs % d;
  if (r !== 0n) {
    const twice = 2n * r;
    const up =
      rounding === 'up' ||
      (rounding === 'half_up' && twice >= d) ||
      (rounding === 'half_even' && (twice > d || (twice === d && q % 2n === 1n)));
    if (up) q += 1n;
  }
  return negative ? -q : q;
}

/**
 * `amount × rate`, rounded to the paisa (default: the house rule, half up). Exact: the rate is
 * turned into a fraction, so no binary or limited-precision decimal arithmetic touches paise.
 */
export function applyRate(
  amount: Paise,
  rate: Decimal | string,
  rounding: Rounding = HOUSE_ROUNDING,
): Paise {
  const f = decimalToFraction(rate);
  return mulDiv(amount, f.numerator, f.denominator, rounding);
}

/**
 * The base that, with tax at `rate` added, makes up a tax-inclusive amount:
 * `amount / (1 + rate)`, rounded to the paisa. Used to find the taxable value of a GST-inclusive price.
 */
export function removeInclusiveRate(
  amount: Paise,
  rate: Decimal | string,
  rounding: Rounding = HOUSE_ROUNDING,
): Paise {
  const f = decimalToFraction(rate);
  return mulDiv(amount, f.denominator, f.denominator + f.numerator, rounding);
}

function weightsToIntegers(weights: readonly bigint[] | readonly Decimal[]): bigint[] {
  if (weights.every((w): w is bigint => typeof w === 'bigint')) return [...weights];
  const decimals: Decimal[] = weights.map((w: bigint | Decimal) =>
    typeof w === 'bigint' ? new Decimal(w.toString()) : w,
  );
  const places = Math.max(0, ...decimals.map((d) => d.decimalPlaces()));
  const scale = new Decimal(10).pow(places);
  return decimals.map((d) => {
    const scaled = d.times(scale);
    assert(scaled.isInteger(), 'weight scaling must be exact');
    return BigInt(scaled.toFixed(0));
  });
}

/**
 * Splits `total` paise in proportion to `weights` by the largest-remainder method: each part gets
 * the floor of its exact share, then the paise left over go one each to the parts with the largest
 * fractional remainders, ties broken by the lower index. The parts always sum exactly to `total`,
 * and each differs from its exact share by less than one paisa. Deterministic.
 */
export function splitLargestRemainder(
  total: Paise,
  weights: readonly bigint[] | readonly Decimal[],
): Paise[] {
  assert(total >= 0n, 'split total must be non-negative');
  assert(weights.length > 0, 'split needs at least one weight');
  const ints = weightsToIntegers(weights);
  assert(
    ints.every((w) => w >= 0n),
    'split weights must be non-negative',
  );
  const weightSum = sumPaise(ints);
  assert(weightSum > 0n, 'split weights must not all be zero');
  const parts = ints.map((w) => (total * w) / weightSum);
  const remainders = ints.map((w, index) => ({ index, remainder: (total * w) % weightSum }));
  let leftover = total - sumPaise(parts);
  assert(
    leftover >= 0n && leftover < BigInt(ints.length),
    'largest remainder: leftover out of range',
  );
  remainders.sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const { index } of remainders) {
    if (leftover === 0n) break;
    parts[index] += 1n;
    leftover -= 1n;
  }
  assert(sumPaise(parts) === total, 'largest remainder: parts must sum to total');
  return parts;
}
