import {
  accountCode,
  Accounts,
  availableBalance,
  CHART_OF_ACCOUNTS,
  checkConstraints,
  NO_FLAGS,
  normalSide,
  openAccountFor,
  parseAccountCode,
  pendingBalance,
  postedBalance,
} from './account.js';
import { LedgerAssertionError } from './assert.js';
import { MAX_COUNTER_PAISE } from './money.js';

const c = (dp: bigint, cp: bigint, dpe = 0n, cpe = 0n) => ({
  debitsPosted: dp,
  creditsPosted: cp,
  debitsPending: dpe,
  creditsPending: cpe,
});

describe('accounts', () => {
  it('normal sides', () => {
    expect(normalSide('asset')).toBe('debit');
    expect(normalSide('expense')).toBe('debit');
    expect(normalSide('liability')).toBe('credit');
    expect(normalSide('revenue')).toBe('credit');
    expect(normalSide('equity')).toBe('credit');
  });

  it('balances on the normal side; available excludes pending outflows only', () => {
    const liability = { type: 'liability' as const, ...c(300n, 1000n, 200n, 50n) };
    expect(postedBalance(liability)).toBe(700n);
    expect(pendingBalance(liability)).toBe(-150n);
    expect(availableBalance(liability)).toBe(500n);
    const asset = { type: 'asset' as const, ...c(1000n, 300n, 50n, 200n) };
    expect(postedBalance(asset)).toBe(700n);
    expect(pendingBalance(asset)).toBe(-150n);
    expect(availableBalance(asset)).toBe(500n);
  });

  it('debits_must_not_exceed_credits counts pending debits (TigerBeetle)', () => {
    const flags = { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false };
    expect(checkConstraints(flags, c(0n, 100n, 100n))).toBeUndefined();
    expect(checkConstraints(flags, c(1n, 100n, 100n))).toBe('exceeds_credits');
    expect(checkConstraints(flags, c(101n, 100n))).toBe('exceeds_credits');
    // pending credits do not count towards the floor
    expect(checkConstraints(flags, c(101n, 100n, 0n, 1000n))).toBe('exceeds_credits');
    expect(checkConstraints(NO_FLAGS, c(101n, 100n))).toBeUndefined();
  });

  it('credits_must_not_exceed_debits counts pending credits', () => {
    const flags = { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: true };
    expect(checkConstraints(flags, c(100n, 40n, 0n, 60n))).toBeUndefined();
    expect(checkConstraints(flags, c(100n, 41n, 0n, 60n))).toBe('exceeds_debits');
  });

  it('flags counter overflow beyond the bigint column', () => {
    expect(checkConstraints(NO_FLAGS, c(MAX_COUNTER_PAISE + 1n, 0n))).toBe('overflows_counter');
    expect(checkConstraints(NO_FLAGS, c(MAX_COUNTER_PAISE, 0n, 1n))).toBe('overflows_counter');
    expect(checkConstraints(NO_FLAGS, c(MAX_COUNTER_PAISE, 0n))).toBeUndefined();
  });

  describe('code grammar', () => {
    it.each([
      ['liability:escrow:order:o-42', 'liability:escrow:order:<orderId>', { orderId: 'o-42' }],
      [
        'liability:dealer_payable:D_1.x',
        'liability:dealer_payable:<dealerId>',
        { dealerId: 'D_1.x' },
      ],
      ['asset:gateway_receivable', 'asset:gateway_receivable', {}],
      ['liability:tax:tcs', 'liability:tax:tcs', {}],
      ['asset:bank:hdfc-1', 'asset:bank:<bankAccountId>', { bankAccountId: 'hdfc-1' }],
    ])('parses %s', (code, pattern, params) => {
      const parsed = parseAccountCode(code);
      expect(parsed?.family.pattern).toBe(pattern);
      expect(parsed?.params).toEqual(params);
    });

    it.each([
      '',
      'liability',
      'liability:escrow:order',
      'liability:escrow:order:',
      'liability:escrow:order:o:1',
      'liability:escrow:order:-o',
      'liability:escrow:shipment:o1',
      'Liability:tax:tcs',
      'asset:gateway_receivable:x',
      'revenue:commission ',
      `liability:escrow:order:${'a'.repeat(65)}`,
      'liability:escrow:order:o 1',
    ])('rejects %j', (code) => {
      expect(parseAccountCode(code)).toBeUndefined();
      expect(openAccountFor(code)).toBeUndefined();
    });

    it('builds codes and refuses invalid parameters', () => {
      expect(Accounts.orderEscrow('o1')).toBe('liability:escrow:order:o1');
      expect(Accounts.technicianPayable('t9')).toBe('liability:technician_payable:t9');
      expect(() => Accounts.dealerPayable('a:b')).toThrow(LedgerAssertionError);
      expect(() => accountCode('liability:escrow:order:<orderId>')).toThrow(LedgerAssertionError);
    });

    it('every family is unique, typed by its first segment, with a meaning; floors only on non-hot accounts', () => {
      const patterns = CHART_OF_ACCOUNTS.map((f) => f.pattern);
      expect(new Set(patterns).size).toBe(patterns.length);
      for (const f of CHART_OF_ACCOUNTS) {
        expect(f.pattern.split(':')[0]).toBe(f.type);
        expect(f.meaning.length).toBeGreaterThan(10);
        const floored = f.flags.debitsMustNotExceedCredits || f.flags.creditsMustNotExceedDebits;
        if (f.hot) expect(floored).toBe(false);
        // a floor sits on the side opposite to the normal balance
        if (f.flags.debitsMustNotExceedCredits) expect(normalSide(f.type)).toBe('credit');
        if (f.flags.creditsMustNotExceedDebits) expect(normalSide(f.type)).toBe('debit');
      }
    });

    it('opens an account with zero counters and the family flags', () => {
      expect(openAccountFor('liability:escrow:job:j1')).toEqual({
        code: 'liability:escrow:job:j1',
        type: 'liability',
        flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
        currency: 'INR',
        ...c(0n, 0n),
      });
    });
  });
});
