import { describe, expect, it } from '@jest/globals';
import { formatPaise, parseRupees } from './money';

describe('formatPaise', () => {
  it('formats integer paise as Indian rupees with lakh and crore grouping', () => {
    expect(formatPaise(1234567890)).toBe('₹1,23,45,678.90');
    expect(formatPaise(100000)).toBe('₹1,000.00');
    expect(formatPaise(10000000)).toBe('₹1,00,000.00');
    expect(formatPaise(5)).toBe('₹0.05');
    expect(formatPaise(0)).toBe('₹0.00');
  });

  it('keeps the sign of negative amounts (balances against their normal side)', () => {
    expect(formatPaise(-1234567890)).toBe('-₹1,23,45,678.90');
    expect(formatPaise(-1)).toBe('-₹0.01');
  });

  it('keeps every digit beyond 2^53 paise (bigint and decimal strings)', () => {
    expect(formatPaise(123456789012345678901n)).toBe('₹12,34,56,78,90,12,34,56,789.01');
    expect(formatPaise('9007199254740993')).toBe('₹9,00,71,99,25,47,409.93');
  });

  it('refuses what is not an integer of paise', () => {
    expect(() => formatPaise(1.5)).toThrow(RangeError);
    expect(() => formatPaise('12.50')).toThrow(SyntaxError);
  });
});

describe('parseRupees', () => {
  it('reads rupees typed with or without grouping, the sign and up to two decimals, as exact paise', () => {
    expect(parseRupees('1,23,456.78')).toBe(12345678);
    expect(parseRupees('₹ 500')).toBe(50000);
    expect(parseRupees('0.1')).toBe(10);
    expect(parseRupees('0.05')).toBe(5);
    expect(parseRupees('19.99')).toBe(1999);
    expect(parseRupees(' 1000000 ')).toBe(100000000);
  });

  it('refuses what the API would not take: zero, negatives, more than two decimals, text, too large', () => {
    for (const typed of ['', '0', '0.00', '-5', '1.234', '12a', '1e3', '.5', '90071992547409.92'])
      expect({ typed, paise: parseRupees(typed) }).toEqual({ typed, paise: null });
  });
});
