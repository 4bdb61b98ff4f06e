import { LedgerAssertionError } from './assert.js';
import { assertValidSchedule, istDate, rateFrom, rateOn, type RateSchedule } from './rates.js';
import { loadRateBook } from '../ledger-spec-files.js';

const tcs: RateSchedule = {
  name: 'tcs',
  entries: [
    { effectiveFrom: '2018-10-01', rate: '0.01' },
    { effectiveFrom: '2024-07-10', rate: '0.005' },
  ],
};

describe('rates', () => {
  it('looks up the rate in force on a date, boundaries inclusive', () => {
    expect(rateOn(tcs, '2024-07-09').toString()).toBe('0.01');
    expect(rateOn(tcs, '2024-07-10').toString()).toBe('0.005');
    expect(rateOn(tcs, '2030-01-01').toString()).toBe('0.005');
    expect(() => rateOn(tcs, '2018-09-30')).toThrow(LedgerAssertionError);
    expect(() => rateOn(tcs, '2024-7-10')).toThrow(LedgerAssertionError);
  });

  it('rejects malformed schedules', () => {
    const bad = (entries: RateSchedule['entries']) => () =>
      assertValidSchedule({ name: 'x', entries });
    expect(bad([])).toThrow(LedgerAssertionError);
    expect(bad([{ effectiveFrom: '2024-01-01', rate: '1' }])).toThrow(LedgerAssertionError);
    expect(bad([{ effectiveFrom: '2024-01-01', rate: '-0.1' }])).toThrow(LedgerAssertionError);
    expect(bad([{ effectiveFrom: '2024-01-01', rate: '5%' }])).toThrow(LedgerAssertionError);
    expect(
      bad([
        { effectiveFrom: '2024-01-02', rate: '0.1' },
        { effectiveFrom: '2024-01-01', rate: '0.2' },
      ]),
    ).toThrow(LedgerAssertionError);
  });

  it('IST dates: 18:29:59Z is still the same day, 18:30Z is the next', () => {
    expect(istDate(Date.parse('2024-07-09T18:29:59Z'))).toBe('2024-07-09');
    expect(istDate(Date.parse('2024-07-09T18:30:00Z'))).toBe('2024-07-10');
  });

  it('ledger-spec/rates.json holds the current legal values', () => {
    const book = loadRateBook();
    for (const s of book.schedules) assertValidSchedule(s);
    expect(rateFrom(book, 'tcs.section_52', '2024-07-10').toString()).toBe('0.005');
    expect(rateFrom(book, 'tcs.section_52', '2024-07-09').toString()).toBe('0.01');
    expect(rateFrom(book, 'tds.section_194o', '2024-10-01').toString()).toBe('0.001');
    expect(rateFrom(book, 'tds.section_194o', '2024-09-30').toString()).toBe('0.01');
    expect(rateFrom(book, 'tds.section_194o.without_pan', '2026-11-01').toString()).toBe('0.05');
    expect(rateFrom(book, 'gst.commission', '2026-11-01').toString()).toBe('0.18');
    expect(() => rateFrom(book, 'nope', '2026-11-01')).toThrow(LedgerAssertionError);
  });
});
