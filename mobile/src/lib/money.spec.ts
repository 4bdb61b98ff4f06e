import { describe, expect, it } from '@jest/globals';
import { formatPaise, paiseToRupees, parseRupees } from './money';

describe('formatPaise', () => {
  it('shows integer paise as rupees with Indian grouping', () => {
    expect(formatPaise(12345600)).toBe('₹1,23,456.00');
    expect(formatPaise(50000)).toBe('₹500.00');
    expect(formatPaise(1000000)).toBe('₹10,000.00');
    expect(formatPaise(1)).toBe('₹0.01');
    expect(formatPaise(0)).toBe('₹0.00');
    expect(formatPaise(-4950)).toBe('-₹49.50');
  });

  it('keeps every digit beyond 2^53 paise', () => {
    expect(formatPaise(12345678901234567890n)).toBe('₹1,23,45,67,89,01,23,45,678.90');
  });
});

describe('parseRupees', () => {
  it('reads what a dealer types into integer paise', () => {
    expect(parseRupees('1234')).toBe(123400);
    expect(parseRupees('1,234.5')).toBe(123450);
    expect(parseRupees('₹ 0.05')).toBe(5);
    expect(parseRupees(paiseToRupees(123405))).toBe(123405);
  });

  it('refuses anything that is not an amount', () => {
    for (const text of ['', '12.345', '-5', '1e3', 'abc', '.5'])
      expect(parseRupees(text)).toBeNull();
  });
});
