/**
 * The stable, exhaustive set of ledger result codes. Codes are part of the contract: never rename
 * or reuse one; add new codes at the end. Every command returns exactly one code; only `ok` has an
 * effect. Expected business failures are these typed results, never exceptions.
 */
export const RESULT_CODES = {
  ok: 'The command took effect (or is an idempotent replay of one that did).',
  too_few_lines: 'An entry needs at least two lines.',
  too_many_lines: 'An entry has more lines than the limit (MAX_LINES_PER_ENTRY).',
  amount_must_be_positive:
    'Every line amount (and a post amount) must be a positive integer of paise.',
  amount_exceeds_limit: 'An amount is above MAX_PAISE (10^15 paise) for one line or entry.',
  currency_mismatch: 'A line is not in INR, the only currency of this ledger.',
  unbalanced: 'The sum of debits differs from the sum of credits.',
  same_account_both_sides: 'One account is both debited and credited in one entry.',
  invalid_account_code: 'An account code does not match the chart-of-accounts grammar.',
  account_not_found: 'A line names an account that has not been opened.',
  exceeds_credits:
    'A debits_must_not_exceed_credits account would have debits (posted + pending) above its posted credits.',
  exceeds_debits:
    'A credits_must_not_exceed_debits account would have credits (posted + pending) above its posted debits.',
  overflows_counter: 'A balance counter would exceed MAX_COUNTER_PAISE (10^38 − 1).',
  exists_with_different_input:
    'The idempotency key was already used for a different command input.',
  pending_not_found:
    'The pending entry to post, void or expire does not exist (or is not pending-kind).',
  pending_already_resolved: 'The pending entry was already posted or voided.',
  pending_expired:
    'The pending entry expired (its timeout passed, whether or not the expiry job ran).',
  pending_not_yet_expired: 'An expiry was requested before the pending entry timed out.',
  post_amount_exceeds_pending:
    'A post line is above the pending amount of the same account and side, or names one not in the pending entry.',
  invalid_timeout:
    'A hold timeout must be a non-negative whole number of seconds within the limit.',
  reversal_of_unknown_entry: 'The entry to reverse does not exist.',
  reversal_of_pending_entry: 'A pending entry cannot be reversed: void it instead.',
  reversal_of_reversal: 'A reversal cannot itself be reversed: post a new entry instead.',
  already_reversed: 'The entry was already reversed (each entry at most once).',
  invalid_key:
    'A command key (or the key it refers to) is empty, longer than 180 characters, or not well-formed text.',
  invalid_meta:
    'Event type, reference or actor is empty or too long, or metadata has too many, too long or not well-formed values.',
} as const;

export type ResultCode = keyof typeof RESULT_CODES;

export const ALL_RESULT_CODES = Object.keys(RESULT_CODES) as ResultCode[];

export function isResultCode(value: string): value is ResultCode {
  return Object.hasOwn(RESULT_CODES, value);
}
