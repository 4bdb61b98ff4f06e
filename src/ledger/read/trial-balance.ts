/**
 * The trial balance: every account's net posted balance in the debit or the credit column, grouped
 * by account type with per-type and grand totals, and whether the columns agree. Everything is
 * summed here from the accounts given (nothing is assumed to net to zero); pending amounts are
 * totalled separately.
 */
import {
  ACCOUNT_TYPES,
  type AccountType,
  type Counters,
  normalSide,
  postedBalance,
  type Side,
} from '../domain/account.js';
import type { Paise } from '../domain/money.js';

export interface TrialBalanceLine extends Counters {
  readonly code: string;
  /** debitsPosted − creditsPosted when positive, else 0. */
  readonly debitBalance: Paise;
  /** creditsPosted − debitsPosted when positive, else 0. */
  readonly creditBalance: Paise;
}

export interface TrialBalanceTotals {
  readonly debitBalance: Paise;
  readonly creditBalance: Paise;
  readonly debitsPosted: Paise;
  readonly creditsPosted: Paise;
}

export interface TrialBalanceGroup {
  readonly type: AccountType;
  readonly normalSide: Side;
  readonly accounts: readonly TrialBalanceLine[];
  readonly totals: TrialBalanceTotals;
  /** Σ posted balances on the type's normal side. */
  readonly balance: Paise;
}

export interface TrialBalanceReport {
  readonly groups: readonly TrialBalanceGroup[];
  readonly totals: TrialBalanceTotals;
  readonly pending: { readonly debits: Paise; readonly credits: Paise; readonly balanced: boolean };
  /** Σ debit balances = Σ credit balances. */
  readonly balanced: boolean;
}

const ZERO_TOTALS: TrialBalanceTotals = {
  debitBalance: 0n,
  creditBalance: 0n,
  debitsPosted: 0n,
  creditsPosted: 0n,
};

function addTotals(a: TrialBalanceTotals, b: TrialBalanceTotals): TrialBalanceTotals {
  return {
    debitBalance: a.debitBalance + b.debitBalance,
    creditBalance: a.creditBalance + b.creditBalance,
    debitsPosted: a.debitsPosted + b.debitsPosted,
    creditsPosted: a.creditsPosted + b.creditsPosted,
  };
}

export function trialBalanceLine(account: Counters & { readonly code: string }): TrialBalanceLine {
  const net = account.debitsPosted - account.creditsPosted;
  return {
    code: account.code,
    debitsPosted: account.debitsPosted,
    creditsPosted: account.creditsPosted,
    debitsPending: account.debitsPending,
    creditsPending: account.creditsPending,
    debitBalance: net > 0n ? net : 0n,
    creditBalance: net < 0n ? -net : 0n,
  };
}

/** Groups the accounts (in the order given) by type, in the order asset … expense. */
export function buildTrialBalance(
  accounts: readonly (Counters & { readonly code: string; readonly type: AccountType })[],
): TrialBalanceReport {
  let totals = ZERO_TOTALS;
  let pendingDebits = 0n;
  let pendingCredits = 0n;
  const groups = ACCOUNT_TYPES.map((type): TrialBalanceGroup => {
    const members = accounts.filter((a) => a.type === type);
    const lines = members.map(trialBalanceLine);
    let groupTotals = ZERO_TOTALS;
    let balance = 0n;
    for (const [i, line] of lines.entries()) {
      groupTotals = addTotals(groupTotals, line);
      balance += postedBalance(members[i]);
      pendingDebits += line.debitsPending;
      pendingCredits += line.creditsPending;
    }
    totals = addTotals(totals, groupTotals);
    return { type, normalSide: normalSide(type), accounts: lines, totals: groupTotals, balance };
  });
  return {
    groups,
    totals,
    pending: {
      debits: pendingDebits,
      credits: pendingCredits,
      balanced: pendingDebits === pendingCredits,
    },
    balanced: totals.debitBalance === totals.creditBalance,
  };
}
