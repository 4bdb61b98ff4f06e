/**
 * Ledger account rows as SQL selects them and the accounts they map to, shared by the write side
 * (LedgerService) and the read side (LedgerReadService). An account's current counters are its row
 * plus its balance deltas not yet rolled up (`ACCOUNT_COLUMNS_WITH_DELTAS` with `DELTAS_JOIN`).
 */
import type { Account, AccountType } from '../domain/account.js';

/** An account with its database id and owner reference. */
export interface StoredAccount extends Account {
  readonly id: string;
  readonly ownerRef: string | null;
}

/** What the column lists below select (ids and counters as text: exact beyond 2^53). */
export interface AccountRow {
  id: string;
  code: string;
  type: AccountType;
  owner_ref: string | null;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
}

/** The row as stored (no alias): counters without the deltas not yet rolled up. */
export const ACCOUNT_COLUMNS = `id::text AS id, code, type, owner_ref, debits_must_not_exceed_credits,
  credits_must_not_exceed_debits, debits_posted::text AS debits_posted,
  credits_posted::text AS credits_posted, debits_pending::text AS debits_pending,
  credits_pending::text AS credits_pending`;

/** An account's facts, counters aside (accounts alias `a`). */
export const ACCOUNT_FACTS = `a.id::text AS id, a.code, a.type, a.owner_ref,
  a.debits_must_not_exceed_credits, a.credits_must_not_exceed_debits`;

/** Current counters: the row plus its deltas not yet rolled up (alias `a`, with `DELTAS_JOIN`). */
const CURRENT_COUNTERS = `
  (a.debits_posted + coalesce(d.debits_posted, 0))::text AS debits_posted,
  (a.credits_posted + coalesce(d.credits_posted, 0))::text AS credits_posted,
  (a.debits_pending + coalesce(d.debits_pending, 0))::text AS debits_pending,
  (a.credits_pending + coalesce(d.credits_pending, 0))::text AS credits_pending`;

/** Every column of an `AccountRow`, with current counters (alias `a`, with `DELTAS_JOIN`). */
export const ACCOUNT_COLUMNS_WITH_DELTAS = `${ACCOUNT_FACTS}, ${CURRENT_COUNTERS}`;

/** The sums of an account's balance deltas (alias `d`) next to its row (alias `a`). */
export const DELTAS_JOIN = `LEFT JOIN LATERAL (
    SELECT sum(debits_posted) AS debits_posted, sum(credits_posted) AS credits_posted,
           sum(debits_pending) AS debits_pending, sum(credits_pending) AS credits_pending
    FROM ledger_balance_deltas WHERE account_id = a.id) d ON true`;

export function toAccount(r: AccountRow): StoredAccount {
  return {
    id: r.id,
    code: r.code,
    type: r.type,
    currency: 'INR',
    ownerRef: r.owner_ref,
    flags: {
      debitsMustNotExceedCredits: r.debits_must_not_exceed_credits,
      creditsMustNotExceedDebits: r.credits_must_not_exceed_debits,
    },
    debitsPosted: BigInt(r.debits_posted),
    creditsPosted: BigInt(r.credits_posted),
    debitsPending: BigInt(r.debits_pending),
    creditsPending: BigInt(r.credits_pending),
  };
}
