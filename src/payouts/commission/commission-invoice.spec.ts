import {
  creditNoteNumber,
  financialYear,
  invoiceNumber,
  splitBySupply,
  splitGst,
} from './commission-invoice.js';

describe('commission invoice rules', () => {
  it('finds the Indian financial year (April–March) of an IST date', () => {
    expect(financialYear('2026-11-26')).toBe('2026-27');
    expect(financialYear('2027-03-31')).toBe('2026-27');
    expect(financialYear('2027-04-01')).toBe('2027-28');
    expect(financialYear('2099-04-01')).toBe('2099-00');
    expect(() => financialYear('26-11-2026')).toThrow();
  });

  it('numbers invoices FB/<yy-yy>/<7 digits>, within GST’s 16 characters', () => {
    expect(invoiceNumber('2026-27', 1)).toBe('FB/26-27/0000001');
    expect(invoiceNumber('2026-27', 9_999_999)).toBe('FB/26-27/9999999');
    expect(invoiceNumber('2026-27', 9_999_999)).toHaveLength(16);
    expect(() => invoiceNumber('2026-27', 0)).toThrow();
    expect(() => invoiceNumber('2026-27', 10_000_000)).toThrow();
    expect(() => invoiceNumber('26-27', 1)).toThrow();
  });

  it('numbers credit notes CN/<yy-yy>/<7 digits>, a series of their own', () => {
    expect(creditNoteNumber('2026-27', 12)).toBe('CN/26-27/0000012');
    expect(creditNoteNumber('2027-28', 9_999_999)).toHaveLength(16);
    expect(() => creditNoteNumber('2026-27', 0)).toThrow();
  });

  it('splits GST given back as the invoice placed its supply', () => {
    expect(splitBySupply(289n, 'intra_state')).toEqual({
      supply: 'intra_state',
      cgstPaise: 144n,
      sgstPaise: 145n,
      igstPaise: 0n,
    });
    expect(splitBySupply(289n, 'inter_state')).toEqual({
      supply: 'inter_state',
      cgstPaise: 0n,
      sgstPaise: 0n,
      igstPaise: 289n,
    });
  });

  it('splits GST into CGST + SGST in the same state, IGST across states', () => {
    expect(splitGst(1699n, '29FIXBZ0000A1ZY', '29ABCDE1234F1Z5')).toEqual({
      supply: 'intra_state',
      cgstPaise: 849n,
      sgstPaise: 850n,
      igstPaise: 0n,
    });
    expect(splitGst(1699n, '29FIXBZ0000A1ZY', '27ABCDE1234F1Z5')).toEqual({
      supply: 'inter_state',
      cgstPaise: 0n,
      sgstPaise: 0n,
      igstPaise: 1699n,
    });
  });
});
