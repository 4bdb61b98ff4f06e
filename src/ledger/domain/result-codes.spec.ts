import { ALL_RESULT_CODES, isResultCode, RESULT_CODES } from './result-codes.js';

describe('result codes', () => {
  it('are a stable, append-only list (changing this list is a breaking change)', () => {
    expect(ALL_RESULT_CODES).toEqual([
      'ok',
      'too_few_lines',
      'too_many_lines',
      'amount_must_be_positive',
      'amount_exceeds_limit',
      'currency_mismatch',
      'unbalanced',
      'same_account_both_sides',
      'invalid_account_code',
      'account_not_found',
      'exceeds_credits',
      'exceeds_debits',
      'overflows_counter',
      'exists_with_different_input',
      'pending_not_found',
      'pending_already_resolved',
      'pending_expired',
      'pending_not_yet_expired',
      'post_amount_exceeds_pending',
      'invalid_timeout',
      'reversal_of_unknown_entry',
      'reversal_of_pending_entry',
      'reversal_of_reversal',
      'already_reversed',
      'invalid_key',
      'invalid_meta',
    ]);
  });

  it('each has a one-line meaning and is snake_case', () => {
    for (const code of ALL_RESULT_CODES) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(RESULT_CODES[code].length).toBeGreaterThan(10);
      expect(RESULT_CODES[code]).not.toContain('\n');
    }
  });

  it('isResultCode recognises only listed codes', () => {
    expect(isResultCode('unbalanced')).toBe(true);
    expect(isResultCode('toString')).toBe(false);
    expect(isResultCode('nope')).toBe(false);
  });
});
