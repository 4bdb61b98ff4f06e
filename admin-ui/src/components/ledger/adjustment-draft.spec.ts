import { describe, expect, it } from '@jest/globals';
import { adjustmentDraft } from './adjustment-draft';

describe('adjustmentDraft', () => {
  it('sends balanced, complete lines as exact paise', () => {
    expect(
      adjustmentDraft([
        { account: ' expense:goodwill ', side: 'debit', rupees: '1,250.50' },
        { account: 'asset:gateway_clearing', side: 'credit', rupees: '1000' },
        { account: 'asset:gateway_clearing', side: 'credit', rupees: '250.5' },
      ]),
    ).toEqual({
      lines: [
        { account: 'expense:goodwill', side: 'debit', amountPaise: 125050 },
        { account: 'asset:gateway_clearing', side: 'credit', amountPaise: 100000 },
        { account: 'asset:gateway_clearing', side: 'credit', amountPaise: 25050 },
      ],
      debitPaise: 125050,
      creditPaise: 125050,
      balanced: true,
    });
  });

  it('sends nothing while unbalanced, short of lines, or a line lacks its account or amount', () => {
    const unbalanced = adjustmentDraft([
      { account: 'expense:goodwill', side: 'debit', rupees: '100' },
      { account: 'asset:gateway_clearing', side: 'credit', rupees: '99.99' },
    ]);
    expect(unbalanced).toMatchObject({ lines: null, debitPaise: 10000, creditPaise: 9999 });
    expect(unbalanced.balanced).toBe(false);
    expect(
      adjustmentDraft([{ account: 'expense:goodwill', side: 'debit', rupees: '1' }]).lines,
    ).toBe(null);
    expect(
      adjustmentDraft([
        { account: '', side: 'debit', rupees: '1' },
        { account: 'asset:gateway_clearing', side: 'credit', rupees: '1' },
      ]).lines,
    ).toBe(null);
    expect(
      adjustmentDraft([
        { account: 'expense:goodwill', side: 'debit', rupees: '1' },
        { account: 'asset:gateway_clearing', side: 'credit', rupees: '1' },
        { account: 'asset:gateway_clearing', side: 'credit', rupees: '0' },
      ]).lines,
    ).toBe(null);
    // Nothing on either side is not balanced.
    expect(adjustmentDraft([]).balanced).toBe(false);
  });
});
