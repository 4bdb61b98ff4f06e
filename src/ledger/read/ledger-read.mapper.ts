/**
 * Ledger read records (bigint paise) → response DTOs (JSON integers). An amount beyond JSON's exact
 * integers (|v| > 2^53 − 1 paise, about ₹90 trillion) is refused with an error (a 500 for the
 * client, the value in the log), never rounded: bigint must not lose precision on the way out.
 */
import {
  availableBalance,
  type AccountType,
  type Counters,
  normalSide,
  pendingBalance,
  postedBalance,
} from '../domain/account.js';
import type {
  LedgerAccountDto,
  LedgerBalanceDto,
  LedgerCountersDto,
  LedgerEntryDto,
  LedgerStatementDto,
  LedgerTrialBalanceDto,
  LedgerTrialBalanceTotalsDto,
} from '../dto/ledger-read.dto.js';
import type {
  AccountRecord,
  AccountsAt,
  EntryRecord,
  StatementLineRecord,
} from './ledger-read.service.js';
import type { TrialBalanceReport, TrialBalanceTotals } from './trial-balance.js';

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint as a JSON number, exactly, or an error. */
export function exactNumber(value: bigint, what: string): number {
  if (value > MAX_EXACT || value < -MAX_EXACT) {
    throw new Error(`${what} ${value.toString()} is beyond JSON's exact integers (2^53 - 1)`);
  }
  return Number(value);
}

export function countersDto(a: Counters & { readonly type: AccountType }): LedgerCountersDto {
  return {
    debitsPosted: exactNumber(a.debitsPosted, 'debitsPosted'),
    creditsPosted: exactNumber(a.creditsPosted, 'creditsPosted'),
    debitsPending: exactNumber(a.debitsPending, 'debitsPending'),
    creditsPending: exactNumber(a.creditsPending, 'creditsPending'),
    postedBalance: exactNumber(postedBalance(a), 'postedBalance'),
    pendingBalance: exactNumber(pendingBalance(a), 'pendingBalance'),
    availableBalance: exactNumber(availableBalance(a), 'availableBalance'),
  };
}

export function accountDto(a: AccountRecord): LedgerAccountDto {
  return {
    code: a.code,
    type: a.type,
    normalSide: normalSide(a.type),
    ownerRef: a.ownerRef,
    flags: { ...a.flags },
    ...countersDto(a),
  };
}

export function balanceDto(a: AccountRecord, at: AccountsAt): LedgerBalanceDto {
  return {
    code: a.code,
    type: a.type,
    normalSide: normalSide(a.type),
    asOf: at.asOf.toISOString(),
    source: at.source,
    ...countersDto(a),
  };
}

export function statementDto(
  account: AccountRecord,
  lines: readonly StatementLineRecord[],
  openingBalance: bigint | null,
  nextCursor: string | undefined,
): LedgerStatementDto {
  return {
    code: account.code,
    type: account.type,
    normalSide: normalSide(account.type),
    openingBalance: openingBalance === null ? null : exactNumber(openingBalance, 'openingBalance'),
    items: lines.map((l) => ({
      entrySeq: exactNumber(l.entrySeq, 'entrySeq'),
      entryId: l.entryId,
      lineNo: l.lineNo,
      kind: l.kind,
      eventType: l.eventType,
      reference: l.reference,
      effectiveAt: l.effectiveAt.toISOString(),
      side: l.side,
      amount: exactNumber(l.amount, 'amount'),
      phase: l.phase,
      runningBalance: exactNumber(l.runningBalance, 'runningBalance'),
    })),
    ...(nextCursor === undefined ? {} : { nextCursor }),
  };
}

function totalsDto(t: TrialBalanceTotals): LedgerTrialBalanceTotalsDto {
  return {
    debitBalance: exactNumber(t.debitBalance, 'debitBalance'),
    creditBalance: exactNumber(t.creditBalance, 'creditBalance'),
    debitsPosted: exactNumber(t.debitsPosted, 'debitsPosted'),
    creditsPosted: exactNumber(t.creditsPosted, 'creditsPosted'),
  };
}

export function trialBalanceDto(report: TrialBalanceReport, at: AccountsAt): LedgerTrialBalanceDto {
  return {
    asOf: at.asOf.toISOString(),
    source: at.source,
    groups: report.groups.map((g) => ({
      type: g.type,
      normalSide: g.normalSide,
      accounts: g.accounts.map((a) => ({
        code: a.code,
        debitBalance: exactNumber(a.debitBalance, 'debitBalance'),
        creditBalance: exactNumber(a.creditBalance, 'creditBalance'),
        debitsPosted: exactNumber(a.debitsPosted, 'debitsPosted'),
        creditsPosted: exactNumber(a.creditsPosted, 'creditsPosted'),
        debitsPending: exactNumber(a.debitsPending, 'debitsPending'),
        creditsPending: exactNumber(a.creditsPending, 'creditsPending'),
      })),
      totals: totalsDto(g.totals),
      balance: exactNumber(g.balance, 'balance'),
    })),
    totals: totalsDto(report.totals),
    pending: {
      debits: exactNumber(report.pending.debits, 'pending debits'),
      credits: exactNumber(report.pending.credits, 'pending credits'),
      balanced: report.pending.balanced,
    },
    balanced: report.balanced,
  };
}

/**
 * An entry as the API shows it (LedgerEntryDto), with its integers (seq, amounts, seal number)
 * written by `int`: JSON numbers for responses, bigints for the export.
 */
export function entryView<N>(e: EntryRecord, int: (value: bigint, what: string) => N) {
  return {
    seq: int(e.seq, 'seq'),
    id: e.id,
    kind: e.kind,
    eventType: e.eventType,
    reference: e.reference,
    actor: e.actor,
    effectiveAt: e.effectiveAt.toISOString(),
    metadata: e.metadata,
    pendingId: e.pendingId,
    reversalOf: e.reversalOf,
    timeoutAt: e.timeoutAt === null ? null : e.timeoutAt.toISOString(),
    inputHash: e.inputHash,
    result: e.result,
    lines: e.lines.map((l) => ({
      lineNo: l.lineNo,
      account: l.account,
      side: l.side,
      amount: int(l.amount, 'amount'),
    })),
    hash: e.hash,
    seal:
      e.seal === null
        ? null
        : {
            sealNo: int(e.seal.sealNo, 'sealNo'),
            position: e.seal.position,
            hash: e.seal.hash,
            prevHash: e.seal.prevHash,
            signature: e.seal.signature,
            keyId: e.seal.keyId,
          },
  };
}

export function entryDto(e: EntryRecord): LedgerEntryDto {
  return entryView(e, exactNumber);
}
