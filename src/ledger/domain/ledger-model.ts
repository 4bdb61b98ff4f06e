/**
 * The in-memory reference ledger: accounts, the journal, pending states and idempotency keys, with
 * `apply(command) → result`. It is the executable specification the PostgreSQL ledger is compared
 * against (property tests and ledger-spec vectors). Deliberately simple; correctness over speed.
 */
import {
  ACCOUNT_TYPES,
  type Account,
  type AccountType,
  addCounters,
  assertCountersSane,
  checkConstraints,
  type Counters,
  normalSide,
  openAccountFor,
  parseAccountCode,
  postedBalance,
} from './account.js';
import { assert } from './assert.js';
import { ledgerCanonicalJson } from '../../common/canonical-json.js';
import {
  type Deltas,
  type Line,
  MAX_TIMEOUT_SECONDS,
  type PendingState,
  pendingEntryDeltas,
  postedEntryDeltas,
  postPendingDeltas,
  releasePendingDeltas,
  reversalLines,
  transitionPending,
  validateLines,
  pendingActionOf,
  resolvePendingLines,
} from './journal.js';
import type { Paise } from './money.js';
import type { ResultCode } from './result-codes.js';

/** Who, what and why of an entry (not money-relevant, but part of the idempotency input). */
export interface EntryMeta {
  readonly eventType: string;
  /** Business reference: `order:o-1`, `refund:r-9`, `payout:p-3`… */
  readonly reference: string;
  readonly actor: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export type LedgerCommand =
  | { readonly type: 'open_account'; readonly code: string }
  | {
      readonly type: 'post';
      readonly key: string;
      readonly lines: readonly Line[];
      readonly meta: EntryMeta;
    }
  | {
      readonly type: 'hold';
      readonly key: string;
      readonly lines: readonly Line[];
      /** 0 = never times out. */
      readonly timeoutSeconds: number;
      readonly meta: EntryMeta;
    }
  | {
      readonly type: 'post_pending';
      readonly key: string;
      readonly pendingKey: string;
      /** Post this amount, split proportionally over the pending lines (see proportionalPostLines). */
      readonly amountPaise?: Paise;
      /** Or post exactly these lines. Neither: post the whole pending entry. */
      readonly lines?: readonly Line[];
      readonly meta: EntryMeta;
    }
  | {
      readonly type: 'void_pending';
      readonly key: string;
      readonly pendingKey: string;
      readonly meta: EntryMeta;
    }
  | {
      readonly type: 'expire_pending';
      readonly key: string;
      readonly pendingKey: string;
      readonly meta: EntryMeta;
    }
  | {
      readonly type: 'reverse';
      readonly key: string;
      readonly entryKey: string;
      readonly meta: EntryMeta;
    }
  /** All or nothing: the commands of one business event, in one transaction. */
  | { readonly type: 'batch'; readonly commands: readonly LedgerCommand[] };

/**
 * Limits on a command's texts (keys, who/what/why), checked before anything else. Keys stop at 180
 * characters so keys derived from them (`expire:<key>`) fit the journal's 200.
 */
export const MAX_KEY_LENGTH = 180;
export const MAX_META_TEXT_LENGTH = 256;
export const MAX_METADATA_ENTRIES = 32;
export const MAX_METADATA_VALUE_LENGTH = 1000;

/** Text PostgreSQL stores as given: no NUL, no lone UTF-16 surrogate. */
function wellFormed(text: string): boolean {
  return (
    !text.includes('\u0000') &&
    !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)
  );
}

function validText(text: unknown, max: number): boolean {
  return typeof text === 'string' && text.length >= 1 && text.length <= max && wellFormed(text);
}

/**
 * The envelope of an entry command: its key (and the key it refers to) 1–180 well-formed
 * characters; event type, reference and actor 1–256; at most 32 metadata entries, keys 1–256 and
 * values 0–1000 well-formed characters.
 */
export function validateEnvelope(
  command: Exclude<LedgerCommand, { type: 'batch' } | { type: 'open_account' }>,
): 'ok' | 'invalid_key' | 'invalid_meta' {
  const ref =
    command.type === 'reverse'
      ? command.entryKey
      : command.type === 'post' || command.type === 'hold'
        ? undefined
        : command.pendingKey;
  if (!validText(command.key, MAX_KEY_LENGTH)) return 'invalid_key';
  if (ref !== undefined && !validText(ref, MAX_KEY_LENGTH)) return 'invalid_key';
  const m = command.meta;
  if (
    !validText(m.eventType, MAX_META_TEXT_LENGTH) ||
    !validText(m.reference, MAX_META_TEXT_LENGTH) ||
    !validText(m.actor, MAX_META_TEXT_LENGTH)
  )
    return 'invalid_meta';
  const entries = Object.entries(m.metadata ?? {});
  if (entries.length > MAX_METADATA_ENTRIES) return 'invalid_meta';
  for (const [k, v] of entries) {
    if (!validText(k, MAX_META_TEXT_LENGTH)) return 'invalid_meta';
    if (typeof v !== 'string' || v.length > MAX_METADATA_VALUE_LENGTH || !wellFormed(v))
      return 'invalid_meta';
  }
  return 'ok';
}

export type EntryKind = 'posted' | 'pending' | 'post_pending' | 'void_pending' | 'expire_pending';

export interface Entry {
  /** The idempotency key doubles as the entry's client-chosen identifier (as in TigerBeetle). */
  readonly key: string;
  readonly sequence: number;
  readonly kind: EntryKind;
  /** posted: the lines; pending: the held lines; post_pending: the lines posted; void/expire: the lines released. */
  readonly lines: readonly Line[];
  readonly meta: EntryMeta;
  readonly effectiveAtMs: number;
  readonly pendingKey?: string;
  readonly timeoutSeconds?: number;
  readonly reversalOf?: string;
}

export interface LedgerResult {
  readonly code: ResultCode;
  readonly entryKey?: string;
  /** True when an idempotency key was seen before with the same input: no new effect. */
  readonly replayed?: boolean;
  /** For a failed batch: the index of the command that failed. */
  readonly failedIndex?: number;
}

interface PendingRecord {
  state: PendingState;
  readonly expiresAtMs: number | undefined;
  resolvedBy?: string;
}

interface State {
  accounts: Map<string, Account>;
  entries: Entry[];
  byKey: Map<string, Entry>;
  pending: Map<string, PendingRecord>;
  reversedBy: Map<string, string>;
  idempotency: Map<string, { hash: string; result: LedgerResult }>;
}

function cloneState(s: State): State {
  return {
    accounts: new Map(s.accounts),
    entries: [...s.entries],
    byKey: new Map(s.byKey),
    pending: new Map([...s.pending].map(([k, v]) => [k, { ...v }])),
    reversedBy: new Map(s.reversedBy),
    idempotency: new Map(s.idempotency),
  };
}

export interface TypeTotals {
  readonly debitsPosted: Paise;
  readonly creditsPosted: Paise;
  /** Σ posted balances on the type's normal side. */
  readonly balance: Paise;
}

export interface TrialBalance {
  readonly byType: Readonly<Record<AccountType, TypeTotals>>;
  readonly totalDebitsPosted: Paise;
  readonly totalCreditsPosted: Paise;
  readonly totalDebitsPending: Paise;
  readonly totalCreditsPending: Paise;
  /** Σ (debits − credits) over every account: zero in a correct ledger. */
  readonly netPaise: Paise;
  readonly balanced: boolean;
}

export class LedgerModel {
  private state: State = {
    accounts: new Map(),
    entries: [],
    byKey: new Map(),
    pending: new Map(),
    reversedBy: new Map(),
    idempotency: new Map(),
  };

  /** Applies one command at `nowMs` (database time in the real ledger). */
  apply(command: LedgerCommand, nowMs: number): LedgerResult {
    if (command.type === 'batch') {
      const saved = cloneState(this.state);
      const results: LedgerResult[] = [];
      for (const [index, sub] of command.commands.entries()) {
        const r = this.apply(sub, nowMs);
        if (r.code !== 'ok') {
          this.state = saved;
          return { ...r, failedIndex: index };
        }
        results.push(r);
      }
      return {
        code: 'ok',
        replayed: results.length > 0 && results.every((r) => r.replayed === true),
      };
    }
    if (command.type === 'open_account') return this.openAccount(command.code);
    const envelope = validateEnvelope(command);
    if (envelope !== 'ok') return { code: envelope };

    const hash = ledgerCanonicalJson(command);
    const seen = this.state.idempotency.get(command.key);
    if (seen !== undefined) {
      return seen.hash === hash
        ? { ...seen.result, replayed: true }
        : { code: 'exists_with_different_input' };
    }
    const result = this.applyEntryCommand(command, nowMs);
    if (result.code === 'ok') this.state.idempotency.set(command.key, { hash, result });
    this.assertInvariants();
    return result;
  }

  private openAccount(code: string): LedgerResult {
    if (this.state.accounts.has(code)) return { code: 'ok', replayed: true };
    const account = openAccountFor(code);
    if (account === undefined) return { code: 'invalid_account_code' };
    this.state.accounts.set(code, account);
    return { code: 'ok' };
  }

  private applyEntryCommand(
    command: Exclude<LedgerCommand, { type: 'batch' } | { type: 'open_account' }>,
    nowMs: number,
  ): LedgerResult {
    switch (command.type) {
      case 'post': {
        const v = validateLines(command.lines);
        if (v !== 'ok') return { code: v };
        return this.commit(postedEntryDeltas(command.lines), {
          key: command.key,
          kind: 'posted',
          lines: command.lines,
          meta: command.meta,
          effectiveAtMs: nowMs,
        });
      }
      case 'hold': {
        const v = validateLines(command.lines);
        if (v !== 'ok') return { code: v };
        const t = command.timeoutSeconds;
        if (!Number.isSafeInteger(t) || t < 0 || t > MAX_TIMEOUT_SECONDS)
          return { code: 'invalid_timeout' };
        const result = this.commit(pendingEntryDeltas(command.lines), {
          key: command.key,
          kind: 'pending',
          lines: command.lines,
          meta: command.meta,
          effectiveAtMs: nowMs,
          timeoutSeconds: t,
        });
        if (result.code === 'ok') {
          this.state.pending.set(command.key, {
            state: 'pending',
            expiresAtMs: t === 0 ? undefined : nowMs + t * 1000,
          });
        }
        return result;
      }
      case 'post_pending':
      case 'void_pending':
      case 'expire_pending': {
        const pendingEntry = this.state.byKey.get(command.pendingKey);
        const record = this.state.pending.get(command.pendingKey);
        if (pendingEntry === undefined || record === undefined)
          return { code: 'pending_not_found' };
        const action = pendingActionOf(command.type);
        const t = transitionPending(record.state, action, nowMs, record.expiresAtMs);
        if (t.code !== 'ok' || !('next' in t)) return { code: t.code };
        const resolved = resolvePendingLines(command, pendingEntry.lines);
        if (!('lines' in resolved)) return { code: resolved.code };
        const { lines, deltas } = resolved;
        const result = this.commit(deltas, {
          key: command.key,
          kind: command.type,
          lines,
          meta: command.meta,
          effectiveAtMs: nowMs,
          pendingKey: command.pendingKey,
        });
        if (result.code === 'ok') {
          record.state = t.next;
          record.resolvedBy = command.key;
        }
        return result;
      }
      case 'reverse': {
        const original = this.state.byKey.get(command.entryKey);
        if (original === undefined) return { code: 'reversal_of_unknown_entry' };
        if (original.kind !== 'posted' && original.kind !== 'post_pending')
          return { code: 'reversal_of_pending_entry' };
        if (original.reversalOf !== undefined) return { code: 'reversal_of_reversal' };
        if (this.state.reversedBy.has(original.key)) return { code: 'already_reversed' };
        const lines = reversalLines(original.lines);
        const result = this.commit(postedEntryDeltas(lines), {
          key: command.key,
          kind: 'posted',
          lines,
          meta: command.meta,
          effectiveAtMs: nowMs,
          reversalOf: original.key,
        });
        if (result.code === 'ok') this.state.reversedBy.set(original.key, command.key);
        return result;
      }
    }
  }

  /** Checks accounts and constraints against the deltas, then applies them and appends the entry. */
  private commit(deltas: Deltas, entry: Omit<Entry, 'sequence'>): LedgerResult {
    if (this.state.byKey.has(entry.key)) return { code: 'exists_with_different_input' };
    const updated: Account[] = [];
    for (const code of [...deltas.keys()].sort()) {
      const account = this.state.accounts.get(code);
      if (account === undefined) return { code: 'account_not_found' };
      const delta = deltas.get(code);
      assert(delta !== undefined, 'delta present');
      const next: Account = { ...account, ...addCounters(account, delta) };
      assertCountersSane(code, next);
      const violation = checkConstraints(account.flags, next);
      if (violation !== undefined) return { code: violation };
      updated.push(next);
    }
    for (const account of updated) this.state.accounts.set(account.code, account);
    const full: Entry = { ...entry, sequence: this.state.entries.length + 1 };
    this.state.entries.push(full);
    this.state.byKey.set(full.key, full);
    return { code: 'ok', entryKey: full.key };
  }

  /** Post-conditions after every command: the ledger balances and no flagged account is breached. */
  assertInvariants(): void {
    const tb = this.trialBalance();
    assert(tb.balanced, 'trial balance must net to zero');
    assert(
      tb.totalDebitsPending === tb.totalCreditsPending,
      'pending debits must equal pending credits',
    );
    for (const a of this.state.accounts.values()) {
      assertCountersSane(a.code, a);
      assert(checkConstraints(a.flags, a) === undefined, `account ${a.code} breaks its constraint`);
    }
  }

  account(code: string): Account | undefined {
    return this.state.accounts.get(code);
  }

  accounts(): Account[] {
    return [...this.state.accounts.values()].sort((a, b) =>
      a.code < b.code ? -1 : a.code > b.code ? 1 : 0,
    );
  }

  entries(): readonly Entry[] {
    return this.state.entries;
  }

  entry(key: string): Entry | undefined {
    return this.state.byKey.get(key);
  }

  pendingState(key: string): PendingState | undefined {
    return this.state.pending.get(key)?.state;
  }

  /** Pending entries still pending whose timeout has passed at `nowMs` (what the expiry job picks up). */
  expiredPendingKeys(nowMs: number): string[] {
    return [...this.state.pending.entries()]
      .filter(
        ([, r]) => r.state === 'pending' && r.expiresAtMs !== undefined && nowMs >= r.expiresAtMs,
      )
      .map(([k]) => k);
  }

  trialBalance(): TrialBalance {
    return trialBalanceOf(this.accounts());
  }

  /** Recomputes every account's counters from the journal alone (what `ledger:replay` does). */
  replayCounters(): Map<string, Counters> {
    return replayJournal(this.state.entries, [...this.state.accounts.keys()]);
  }
}

export function trialBalanceOf(accounts: readonly Account[]): TrialBalance {
  const zero = (): { debitsPosted: Paise; creditsPosted: Paise; balance: Paise } => ({
    debitsPosted: 0n,
    creditsPosted: 0n,
    balance: 0n,
  });
  const byType = Object.fromEntries(ACCOUNT_TYPES.map((t) => [t, zero()])) as Record<
    AccountType,
    { debitsPosted: Paise; creditsPosted: Paise; balance: Paise }
  >;
  let dp = 0n;
  let cp = 0n;
  let dpe = 0n;
  let cpe = 0n;
  for (const a of accounts) {
    const t = byType[a.type];
    t.debitsPosted += a.debitsPosted;
    t.creditsPosted += a.creditsPosted;
    t.balance += postedBalance(a);
    dp += a.debitsPosted;
    cp += a.creditsPosted;
    dpe += a.debitsPending;
    cpe += a.creditsPending;
  }
  // Cross-check: debit-normal balances equal credit-normal balances.
  const debitNormal = ACCOUNT_TYPES.filter((t) => normalSide(t) === 'debit').reduce(
    (s, t) => s + byType[t].balance,
    0n,
  );
  const creditNormal = ACCOUNT_TYPES.filter((t) => normalSide(t) === 'credit').reduce(
    (s, t) => s + byType[t].balance,
    0n,
  );
  assert(
    (dp - cp === 0n) === (debitNormal === creditNormal),
    'trial balance: two views must agree',
  );
  return {
    byType,
    totalDebitsPosted: dp,
    totalCreditsPosted: cp,
    totalDebitsPending: dpe,
    totalCreditsPending: cpe,
    netPaise: dp - cp,
    balanced: dp === cp && dpe === cpe,
  };
}

/** Counters of every account recomputed from the journal in sequence order. */
export function replayJournal(
  entries: readonly Entry[],
  accountCodes: readonly string[],
): Map<string, Counters> {
  const counters = new Map<string, Counters>();
  for (const code of accountCodes) {
    assert(parseAccountCode(code) !== undefined, `replay: invalid account ${code}`);
    counters.set(code, {
      debitsPosted: 0n,
      creditsPosted: 0n,
      debitsPending: 0n,
      creditsPending: 0n,
    });
  }
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const e of entries) {
    let deltas: Deltas;
    if (e.kind === 'posted') deltas = postedEntryDeltas(e.lines);
    else if (e.kind === 'pending') deltas = pendingEntryDeltas(e.lines);
    else {
      const pending = e.pendingKey === undefined ? undefined : byKey.get(e.pendingKey);
      assert(pending !== undefined, `replay: ${e.key} names an unknown pending entry`);
      deltas =
        e.kind === 'post_pending'
          ? postPendingDeltas(pending.lines, e.lines)
          : releasePendingDeltas(pending.lines);
    }
    for (const [code, d] of deltas) {
      const c = counters.get(code);
      assert(c !== undefined, `replay: unknown account ${code}`);
      counters.set(code, addCounters(c, d));
    }
  }
  return counters;
}
