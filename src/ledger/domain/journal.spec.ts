import { LedgerAssertionError } from './assert.js';
import {
  credit,
  debit,
  type Line,
  MAX_LINES_PER_ENTRY,
  PENDING_TRANSITIONS,
  pendingEntryDeltas,
  postedEntryDeltas,
  postPendingDeltas,
  proportionalPostLines,
  releasePendingDeltas,
  reversalLines,
  transitionPending,
  validateLines,
  validatePostLines,
} from './journal.js';
import { MAX_PAISE } from './money.js';

const E = 'liability:escrow:order:o1';
const P = 'liability:dealer_payable:d1';
const G = 'asset:gateway_receivable';
const C = 'revenue:commission';

describe('journal', () => {
  describe('validateLines', () => {
    it.each<[string, Line[]]>([
      ['ok', [debit(G, 100n), credit(E, 100n)]],
      ['ok', [debit(P, 100n), credit(C, 60n), credit('liability:tax:tds', 40n)]],
      ['ok', [debit(G, 50n), debit(G, 50n), credit(E, 100n)]], // same account twice on one side
      ['too_few_lines', [debit(G, 100n)]],
      ['too_few_lines', []],
      [
        'too_many_lines',
        Array.from({ length: MAX_LINES_PER_ENTRY + 1 }, (_, i) =>
          i === 0 ? credit(E, BigInt(MAX_LINES_PER_ENTRY)) : debit(G, 1n),
        ),
      ],
      ['currency_mismatch', [debit(G, 100n), { ...credit(E, 100n), currency: 'USD' }]],
      ['amount_must_be_positive', [debit(G, 0n), credit(E, 0n)]],
      ['amount_must_be_positive', [debit(G, -1n), credit(E, -1n)]],
      ['amount_exceeds_limit', [debit(G, MAX_PAISE + 1n), credit(E, MAX_PAISE + 1n)]],
      [
        'amount_exceeds_limit',
        [debit(G, MAX_PAISE), debit(C, 1n), credit(E, MAX_PAISE), credit(P, 1n)],
      ],
      ['invalid_account_code', [debit('asset:nope', 100n), credit(E, 100n)]],
      ['same_account_both_sides', [debit(E, 100n), credit(E, 100n)]],
      ['unbalanced', [debit(G, 100n), credit(E, 99n)]],
    ])('%s', (code, lines) => {
      expect(validateLines(lines)).toBe(code);
    });
  });

  describe('post lines of a pending entry', () => {
    const held = [debit(E, 1000n), credit(P, 900n), credit(C, 100n)];

    it('accepts a full or partial post within the held amounts', () => {
      expect(validatePostLines(held, held)).toBe('ok');
      expect(validatePostLines(held, [debit(E, 500n), credit(P, 450n), credit(C, 50n)])).toBe('ok');
    });

    it('rejects a line above its pending amount or on an account/side not held', () => {
      expect(validatePostLines(held, [debit(E, 1000n), credit(P, 901n), credit(C, 99n)])).toBe(
        'post_amount_exceeds_pending',
      );
      expect(validatePostLines(held, [debit(E, 10n), credit(G, 10n)])).toBe(
        'post_amount_exceeds_pending',
      );
      expect(validatePostLines(held, [credit(E, 10n), debit(P, 10n)])).toBe(
        'post_amount_exceeds_pending',
      );
      expect(validatePostLines(held, [debit(E, 10n), credit(P, 9n)])).toBe('unbalanced');
    });

    it('splits a post amount proportionally per side', () => {
      expect(proportionalPostLines(held, 501n)).toEqual([
        debit(E, 501n),
        credit(P, 451n),
        credit(C, 50n),
      ]);
      expect(proportionalPostLines([debit(E, 7n), credit(P, 7n)], 3n)).toEqual([
        debit(E, 3n),
        credit(P, 3n),
      ]);
      expect(() => proportionalPostLines(held, 1001n)).toThrow(LedgerAssertionError);
      expect(() => proportionalPostLines(held, 0n)).toThrow(LedgerAssertionError);
    });
  });

  describe('deltas', () => {
    it('posted, pending, post-pending, release', () => {
      const lines = [debit(E, 100n), credit(P, 100n)];
      expect(postedEntryDeltas(lines).get(E)).toEqual({
        debitsPosted: 100n,
        creditsPosted: 0n,
        debitsPending: 0n,
        creditsPending: 0n,
      });
      expect(pendingEntryDeltas(lines).get(P)).toEqual({
        debitsPosted: 0n,
        creditsPosted: 0n,
        debitsPending: 0n,
        creditsPending: 100n,
      });
      const post = postPendingDeltas(lines, [debit(E, 60n), credit(P, 60n)]);
      expect(post.get(E)).toEqual({
        debitsPosted: 60n,
        creditsPosted: 0n,
        debitsPending: -100n,
        creditsPending: 0n,
      });
      expect(post.get(P)).toEqual({
        debitsPosted: 0n,
        creditsPosted: 60n,
        debitsPending: 0n,
        creditsPending: -100n,
      });
      expect(releasePendingDeltas(lines).get(E)).toEqual({
        debitsPosted: 0n,
        creditsPosted: 0n,
        debitsPending: -100n,
        creditsPending: 0n,
      });
    });

    it('asserts that deltas balance (a broken entry never reaches the counters)', () => {
      expect(() => postedEntryDeltas([debit(E, 100n), credit(P, 99n)])).toThrow(
        LedgerAssertionError,
      );
    });

    it('reversal mirrors every line', () => {
      expect(reversalLines([debit(E, 5n), credit(P, 3n), credit(C, 2n)])).toEqual([
        credit(E, 5n),
        debit(P, 3n),
        debit(C, 2n),
      ]);
    });
  });

  describe('two-phase state machine', () => {
    it('resolves only from pending, each exactly once', () => {
      expect(PENDING_TRANSITIONS.pending).toEqual({
        post: 'posted',
        void: 'voided',
        expire: 'expired',
      });
      for (const s of ['posted', 'voided', 'expired'] as const)
        expect(PENDING_TRANSITIONS[s]).toEqual({});
    });

    it.each([
      ['pending', 'post', 0, 1000, { code: 'ok', next: 'posted' }],
      ['pending', 'void', 999, 1000, { code: 'ok', next: 'voided' }],
      ['pending', 'post', 5, undefined, { code: 'ok', next: 'posted' }],
      ['pending', 'post', 1000, 1000, { code: 'pending_expired' }],
      ['pending', 'void', 2000, 1000, { code: 'pending_expired' }],
      ['pending', 'expire', 1000, 1000, { code: 'ok', next: 'expired' }],
      ['pending', 'expire', 999, 1000, { code: 'pending_not_yet_expired' }],
      ['pending', 'expire', 10 ** 12, undefined, { code: 'pending_not_yet_expired' }],
      ['posted', 'post', 0, undefined, { code: 'pending_already_resolved' }],
      ['voided', 'expire', 5000, 1000, { code: 'pending_already_resolved' }],
      ['expired', 'void', 0, 1000, { code: 'pending_expired' }],
    ] as const)('%s --%s--> at %s (expires %s)', (state, action, now, expires, expected) => {
      expect(transitionPending(state, action, now, expires)).toEqual(expected);
    });
  });
});
