/**
 * Journal entries: line validation, the two-phase state machine of a pending entry, and the counter
 * deltas every kind of entry applies. Pure functions; the model and the persistence layer both use them.
 */
import { type CounterDelta, type Side, parseAccountCode } from './account.js';
import { assert } from './assert.js';
import { MAX_PAISE, type Paise, splitLargestRemainder, sumPaise } from './money.js';
import type { ResultCode } from './result-codes.js';

export const LEDGER_CURRENCY = 'INR';
/** Limits on everything (TigerStyle). */
export const MAX_LINES_PER_ENTRY = 64;
/** A hold may last at most 400 days. */
export const MAX_TIMEOUT_SECONDS = 400 * 24 * 3600;

export interface Line {
  readonly account: string;
  readonly side: Side;
  readonly amountPaise: Paise;
  /** Defaults to INR; anything else is rejected with `currency_mismatch`. */
  readonly currency?: string;
}

export function debit(account: string, amountPaise: Paise): Line {
  return { account, side: 'debit', amountPaise };
}

export function credit(account: string, amountPaise: Paise): Line {
  return { account, side: 'credit', amountPaise };
}

export function totalDebits(lines: readonly Line[]): Paise {
  return sumPaise(lines.filter((l) => l.side === 'debit').map((l) => l.amountPaise));
}

export function totalCredits(lines: readonly Line[]): Paise {
  return sumPaise(lines.filter((l) => l.side === 'credit').map((l) => l.amountPaise));
}

/**
 * Validates the lines of an entry. Checks run in this order and the first failure is returned:
 * too_few_lines, too_many_lines, currency_mismatch, amount_must_be_positive, amount_exceeds_limit,
 * invalid_account_code, same_account_both_sides, unbalanced. (Whether accounts exist and their
 * constraints hold is checked by whoever holds the accounts.)
 */
export function validateLines(lines: readonly Line[]): ResultCode {
  if (lines.length < 2) return 'too_few_lines';
  if (lines.length > MAX_LINES_PER_ENTRY) return 'too_many_lines';
  if (lines.some((l) => (l.currency ?? LEDGER_CURRENCY) !== LEDGER_CURRENCY))
    return 'currency_mismatch';
  if (lines.some((l) => typeof l.amountPaise !== 'bigint' || l.amountPaise <= 0n)) {
    return 'amount_must_be_positive';
  }
  if (lines.some((l) => l.amountPaise > MAX_PAISE)) return 'amount_exceeds_limit';
  if (lines.some((l) => parseAccountCode(l.account) === undefined)) return 'invalid_account_code';
  const debited = new Set(lines.filter((l) => l.side === 'debit').map((l) => l.account));
  if (lines.some((l) => l.side === 'credit' && debited.has(l.account)))
    return 'same_account_both_sides';
  const debits = totalDebits(lines);
  if (debits !== totalCredits(lines)) return 'unbalanced';
  if (debits > MAX_PAISE) return 'amount_exceeds_limit';
  return 'ok';
}

/** Amount per (account, side), the unit in which post amounts are compared to pending amounts. */
export function amountsByAccountSide(lines: readonly Line[]): Map<string, Paise> {
  const out = new Map<string, Paise>();
  for (const l of lines) {
    const key = `${l.side}|${l.account}`;
    out.set(key, (out.get(key) ?? 0n) + l.amountPaise);
  }
  return out;
}

/**
 * Validates the lines posting (part of) a pending entry: valid lines in themselves, and for every
 * (account, side) at most the pending amount; a pair absent from the pending entry is rejected.
 */
export function validatePostLines(
  pendingLines: readonly Line[],
  postLines: readonly Line[],
): ResultCode {
  const basic = validateLines(postLines);
  if (basic !== 'ok') return basic;
  const pending = amountsByAccountSide(pendingLines);
  for (const [key, amount] of amountsByAccountSide(postLines)) {
    const held = pending.get(key);
    if (held === undefined || amount > held) return 'post_amount_exceeds_pending';
  }
  return 'ok';
}

/**
 * Lines posting `amountPaise` of a pending entry: the amount is split over the debit lines and,
 * separately, over the credit lines in proportion to their pending amounts (largest remainder), so
 * each post line is at most its pending line and the result balances. For a two-line hold this is
 * simply the amount on each side.
 */
export function proportionalPostLines(pendingLines: readonly Line[], amountPaise: Paise): Line[] {
  assert(amountPaise > 0n, 'post amount must be positive');
  assert(
    amountPaise <= totalDebits(pendingLines),
    'post amount must not exceed the pending amount',
  );
  const out: Line[] = [];
  for (const side of ['debit', 'credit'] as const) {
    const sideLines = pendingLines.filter((l) => l.side === side);
    const parts = splitLargestRemainder(
      amountPaise,
      sideLines.map((l) => l.amountPaise),
    );
    sideLines.forEach((l, i) => {
      if (parts[i] > 0n) out.push({ account: l.account, side, amountPaise: parts[i] });
    });
  }
  return out;
}

/** Mirror lines: every debit becomes a credit of the same amount to the same account and vice versa. */
export function reversalLines(lines: readonly Line[]): Line[] {
  return lines.map((l) => ({ ...l, side: l.side === 'debit' ? 'credit' : 'debit' }));
}

// ---------------------------------------------------------------------------------------------
// Counter deltas
// ---------------------------------------------------------------------------------------------

export type Deltas = Map<string, CounterDelta>;

function addDelta(out: Deltas, account: string, delta: Partial<CounterDelta>): void {
  const prev = out.get(account) ?? {
    debitsPosted: 0n,
    creditsPosted: 0n,
    debitsPending: 0n,
    creditsPending: 0n,
  };
  out.set(account, {
    debitsPosted: prev.debitsPosted + (delta.debitsPosted ?? 0n),
    creditsPosted: prev.creditsPosted + (delta.creditsPosted ?? 0n),
    debitsPending: prev.debitsPending + (delta.debitsPending ?? 0n),
    creditsPending: prev.creditsPending + (delta.creditsPending ?? 0n),
  });
}

function linesDeltas(
  out: Deltas,
  lines: readonly Line[],
  phase: 'posted' | 'pending',
  sign: 1n | -1n,
) {
  for (const l of lines) {
    const amount = l.amountPaise * sign;
    if (phase === 'posted') {
      addDelta(
        out,
        l.account,
        l.side === 'debit' ? { debitsPosted: amount } : { creditsPosted: amount },
      );
    } else {
      addDelta(
        out,
        l.account,
        l.side === 'debit' ? { debitsPending: amount } : { creditsPending: amount },
      );
    }
  }
}

/** A normal (or reversal) entry: posted counters grow by its lines. */
export function postedEntryDeltas(lines: readonly Line[]): Deltas {
  const out: Deltas = new Map();
  linesDeltas(out, lines, 'posted', 1n);
  return assertDeltasBalanced(out);
}

/** Creating a pending entry: pending counters grow by its lines. */
export function pendingEntryDeltas(lines: readonly Line[]): Deltas {
  const out: Deltas = new Map();
  linesDeltas(out, lines, 'pending', 1n);
  return assertDeltasBalanced(out);
}

/** Posting (all or part of) a pending entry: all its pending amounts are released, the post lines posted. */
export function postPendingDeltas(
  pendingLines: readonly Line[],
  postLines: readonly Line[],
): Deltas {
  const out: Deltas = new Map();
  linesDeltas(out, pendingLines, 'pending', -1n);
  linesDeltas(out, postLines, 'posted', 1n);
  return assertDeltasBalanced(out);
}

/** Voiding or expiring a pending entry: all its pending amounts are released, nothing posted. */
export function releasePendingDeltas(pendingLines: readonly Line[]): Deltas {
  const out: Deltas = new Map();
  linesDeltas(out, pendingLines, 'pending', -1n);
  return assertDeltasBalanced(out);
}

/** Post-condition of every delta set: Σ debits = Σ credits, for posted and for pending counters. */
export function assertDeltasBalanced(deltas: Deltas): Deltas {
  let posted = 0n;
  let pending = 0n;
  for (const d of deltas.values()) {
    posted += d.debitsPosted - d.creditsPosted;
    pending += d.debitsPending - d.creditsPending;
  }
  assert(posted === 0n, 'deltas: posted debits must equal posted credits');
  assert(pending === 0n, 'deltas: pending debits must equal pending credits');
  return deltas;
}

// ---------------------------------------------------------------------------------------------
// Two-phase state machine of a pending entry
// ---------------------------------------------------------------------------------------------

export type PendingState = 'pending' | 'posted' | 'voided' | 'expired';
export type PendingAction = 'post' | 'void' | 'expire';

/** The declared transition table: each resolution happens exactly once, from `pending` only. */
export const PENDING_TRANSITIONS: Readonly<
  Record<PendingState, Readonly<Partial<Record<PendingAction, PendingState>>>>
> = {
  pending: { post: 'posted', void: 'voided', expire: 'expired' },
  posted: {},
  voided: {},
  expired: {},
};

export type TransitionResult =
  { readonly code: 'ok'; readonly next: PendingState } | { readonly code: ResultCode };

/**
 * Decides a transition. `expiresAtMs` undefined means the hold never times out. A post or void at or
 * after the deadline fails with `pending_expired` even before the expiry job has run (database time
 * decides, as in TigerBeetle); an expiry before the deadline fails with `pending_not_yet_expired`.
 */
export function transitionPending(
  state: PendingState,
  action: PendingAction,
  nowMs: number,
  expiresAtMs: number | undefined,
): TransitionResult {
  if (state === 'posted' || state === 'voided') return { code: 'pending_already_resolved' };
  if (state === 'expired') return { code: 'pending_expired' };
  const timedOut = expiresAtMs !== undefined && nowMs >= expiresAtMs;
  if (action === 'expire' && !timedOut) return { code: 'pending_not_yet_expired' };
  if (action !== 'expire' && timedOut) return { code: 'pending_expired' };
  const next = PENDING_TRANSITIONS[state][action];
  assert(next !== undefined, `no transition ${state} --${action}-->`);
  return { code: 'ok', next };
}

/** The transition a pending-resolution command asks for. */
export function pendingActionOf(
  type: 'post_pending' | 'void_pending' | 'expire_pending',
): 'post' | 'void' | 'expire' {
  return type === 'post_pending' ? 'post' : type === 'void_pending' ? 'void' : 'expire';
}

/**
 * The lines and counter deltas that resolve a hold: a post (full, by amount — proportional lines — or by
 * explicit lines, never both) or a release (void/expire) of everything pending.
 */
export function resolvePendingLines(
  command: {
    type: 'post_pending' | 'void_pending' | 'expire_pending';
    amountPaise?: Paise;
    lines?: readonly Line[];
  },
  pendingLines: readonly Line[],
): { code: ResultCode } | { code: 'ok'; lines: readonly Line[]; deltas: Deltas } {
  if (command.type !== 'post_pending') {
    return { code: 'ok', lines: pendingLines, deltas: releasePendingDeltas(pendingLines) };
  }
  if (command.amountPaise !== undefined && command.lines !== undefined)
    return { code: 'post_amount_exceeds_pending' };
  let lines: readonly Line[];
  if (command.amountPaise !== undefined) {
    if (command.amountPaise <= 0n) return { code: 'amount_must_be_positive' };
    if (command.amountPaise > totalDebits(pendingLines))
      return { code: 'post_amount_exceeds_pending' };
    lines = proportionalPostLines(pendingLines, command.amountPaise);
  } else {
    lines = command.lines ?? pendingLines;
  }
  const v = validatePostLines(pendingLines, lines);
  if (v !== 'ok') return { code: v };
  return { code: 'ok', lines, deltas: postPendingDeltas(pendingLines, lines) };
}
