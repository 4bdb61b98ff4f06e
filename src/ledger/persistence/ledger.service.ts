/**
 * The PostgreSQL ledger: executes the domain's commands (the same `LedgerCommand`s the in-memory
 * `LedgerModel` applies) with the same results, one transaction per command or batch. All balance,
 * flag and two-phase logic is the domain's; this class only reads, locks and writes.
 *
 * Per command: idempotency check by entry id + input hash; a transaction-scoped advisory lock on the
 * hold being resolved or the entry being reversed (so its state, re-read after the lock, is current);
 * the touched accounts *with a balance floor* locked in ascending id order (`FOR NO KEY UPDATE`) and
 * checked with the domain's constraint function; then the entry with its hash (`INSERT … ON CONFLICT
 * (id) DO NOTHING`: a concurrent duplicate that committed first makes this transaction roll back and
 * replay the stored result), its lines, counter UPDATEs of the floored accounts, and one appended
 * balance delta per account without a floor. Those "hot" accounts (revenue, tax, gateway…) are
 * never locked by a posting, so they do not serialize the system; `rollUpBalanceDeltas` folds their
 * deltas into the account rows (see ledger-spec/README.md, "Hot accounts").
 */
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { execute, executePrepared, sqlStateOf } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  addCounters,
  availableBalance,
  assertCountersSane,
  checkConstraints,
  type CounterDelta,
  openAccountFor,
  parseAccountCode,
} from '../domain/account.js';
import { assert } from '../domain/assert.js';
import { ledgerCanonicalJson } from '../../common/canonical-json.js';
import { entryHash } from '../domain/entry-hash.js';
import {
  type Deltas,
  type Line,
  MAX_TIMEOUT_SECONDS,
  type PendingState,
  pendingEntryDeltas,
  postedEntryDeltas,
  reversalLines,
  transitionPending,
  validateLines,
  pendingActionOf,
  resolvePendingLines,
} from '../domain/journal.js';
import {
  type EntryKind,
  type EntryMeta,
  type LedgerCommand,
  type LedgerResult,
  validateEnvelope,
} from '../domain/ledger-model.js';
import { isResultCode } from '../domain/result-codes.js';
import { istDate } from '../domain/rates.js';
import {
  ACCOUNT_COLUMNS,
  ACCOUNT_COLUMNS_WITH_DELTAS,
  type AccountRow,
  DELTAS_JOIN,
  type StoredAccount,
  toAccount,
} from './account-rows.js';
import { LedgerClock } from './ledger-clock.js';
import { LedgerRefused } from '../ledger-refused.js';

type EntryCommand = Exclude<LedgerCommand, { type: 'batch' } | { type: 'open_account' }>;

interface EntryRow {
  id: string;
  kind: EntryKind;
  reversal_of: string | null;
  timeout_at: Date | null;
  input_hash: string;
  result: { code: string; entryKey?: string };
}

interface StoredEntry {
  readonly id: string;
  readonly kind: EntryKind;
  readonly reversalOf: string | null;
  readonly timeoutAtMs: number | undefined;
  readonly inputHash: string;
  readonly result: LedgerResult;
  readonly lines: readonly Line[];
}

interface NewEntry {
  readonly key: string;
  readonly kind: EntryKind;
  readonly lines: readonly Line[];
  readonly meta: EntryMeta;
  readonly effectiveAtMs: number;
  readonly inputHash: string;
  readonly pendingKey?: string;
  readonly timeoutSeconds?: number;
  readonly reversalOf?: string;
}

/** Rolls the transaction back and returns a failed command's result (a failure consumes no key). */
class Rejected extends Error {
  constructor(readonly result: LedgerResult) {
    super(`ledger command rejected: ${result.code}`);
  }
}

/** A concurrent command with the same key committed first: roll back and re-run (it replays). */
class LostRace extends Error {
  constructor(key: string) {
    super(`ledger entry ${key} was committed concurrently`);
  }
}

const MAX_RACE_ATTEMPTS = 3;

/** An account's immutable facts (counters aside), cached per process: accounts are never deleted. */
interface AccountRef {
  readonly id: string;
  readonly code: string;
  readonly floored: boolean;
}

/** Accounts prepared for a command: every existing one by code, floored ones locked with counters. */
interface PreparedAccounts {
  readonly refs: Map<string, AccountRef>;
  readonly locked: Map<string, StoredAccount>;
}

function inputHash(command: EntryCommand): string {
  return createHash('sha256').update(ledgerCanonicalJson(command)).digest('hex');
}

/**
 * The hot path's read: database time, the earlier result of this key if any, and the floored
 * accounts ($2) locked in ascending id order. Exported for the benchmark's raw-SQL ceiling.
 */
export const READ_FOR_POSTING_SQL = `WITH locked AS (
         SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($2::bigint[])
         ORDER BY id FOR NO KEY UPDATE)
       SELECT statement_timestamp() AS now,
         (SELECT json_build_object('input_hash', input_hash, 'result', result)
          FROM ledger_entries WHERE id = $1) AS seen,
         (SELECT json_agg(locked) FROM locked) AS locked`;

/**
 * The write of every entry: the entry, its lines ($15–$17), the floored accounts' counters
 * ($18–$22) and the hot accounts' deltas ($23–$27); nothing if the id was taken concurrently.
 */
export const WRITE_ENTRY_SQL = `WITH e AS (
         INSERT INTO ledger_entries
           (id, kind, event_type, reference, actor, effective_at, metadata, pending_id, reversal_of,
            timeout_seconds, timeout_at, input_hash, result, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13::jsonb, $14)
         ON CONFLICT (id) DO NOTHING RETURNING seq),
       l AS (
         INSERT INTO ledger_lines (entry_id, entry_seq, line_no, account_id, side, amount)
         SELECT $1, e.seq, (t.n - 1)::smallint, t.account_id, t.side, t.amount
         FROM e, unnest($15::bigint[], $16::text[], $17::bigint[])
           WITH ORDINALITY AS t(account_id, side, amount, n)),
       u AS (
         UPDATE ledger_accounts a SET
           debits_posted = a.debits_posted + v.dp, credits_posted = a.credits_posted + v.cp,
           debits_pending = a.debits_pending + v.dpe, credits_pending = a.credits_pending + v.cpe
         FROM e, unnest($18::bigint[], $19::bigint[], $20::bigint[], $21::bigint[], $22::bigint[])
           AS v(id, dp, cp, dpe, cpe)
         WHERE a.id = v.id RETURNING a.id),
       d AS (
         INSERT INTO ledger_balance_deltas
           (account_id, debits_posted, credits_posted, debits_pending, credits_pending)
         SELECT v.id, v.dp, v.cp, v.dpe, v.cpe
         FROM e, unnest($23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[], $27::bigint[])
           AS v(id, dp, cp, dpe, cpe))
       SELECT e.seq::text AS seq, (SELECT count(*) FROM u)::int AS updated FROM e`;

/** The stored result of an earlier command with this key: replayed if the input is the same. */
function replayOf(storedHash: string, stored: EntryRow['result'], hash: string): LedgerResult {
  if (storedHash !== hash) return { code: 'exists_with_different_input' };
  assert(isResultCode(stored.code), `stored result code ${stored.code}`);
  return { ...stored, code: stored.code, replayed: true };
}

/** Parallel arrays (ids, then the four counter deltas) for an unnest() in the write statement. */
function counterColumns(rows: readonly { id: string; delta: CounterDelta }[]): string[][] {
  return [
    rows.map((r) => r.id),
    rows.map((r) => r.delta.debitsPosted.toString()),
    rows.map((r) => r.delta.creditsPosted.toString()),
    rows.map((r) => r.delta.debitsPending.toString()),
    rows.map((r) => r.delta.creditsPending.toString()),
  ];
}

/** The entry a command resolves or reverses, if any: serialized by an advisory lock on its key. */
function referencedKey(command: LedgerCommand): string | undefined {
  switch (command.type) {
    case 'post_pending':
    case 'void_pending':
    case 'expire_pending':
      return command.pendingKey;
    case 'reverse':
      return command.entryKey;
    default:
      return undefined;
  }
}

@Injectable()
export class LedgerService {
  private readonly refs = new Map<string, AccountRef>();

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly clock: LedgerClock,
  ) {}

  /**
   * Executes one command (or an all-or-nothing batch), all-or-nothing and group-committed with the
   * commands executed at the same time (`TransactionRunner.grouped`: a savepoint each, one COMMIT),
   * and returns its typed result, exactly as `LedgerModel.apply` would. Only `ok` has an effect.
   */
  async execute(command: LedgerCommand): Promise<LedgerResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.transactions.grouped(async (tx) => {
          const result = await this.run(tx, command);
          if (result.code !== 'ok') throw new Rejected(result);
          return result;
        });
      } catch (err) {
        if (err instanceof Rejected) return err.result;
        // A duplicate key, or a resolution/reversal index hit by a concurrent command: re-running
        // sees the committed winner and returns the replay or the typed refusal.
        const raced = err instanceof LostRace || sqlStateOf(err) === '23505';
        if (raced && attempt < MAX_RACE_ATTEMPTS) continue;
        throw err;
      }
    }
  }

  /**
   * Executes a command inside the caller's transaction, so the entry commits (or not) with the
   * caller's own state change. A refused command leaves nothing behind (savepoint); a lost race is
   * retried inside the transaction. The caller decides what a refusal means for its transaction.
   * The caller's transaction must be READ COMMITTED (the default): the state read after a lock must
   * see what committed before it. Several calls in one transaction should come in a fixed order (or
   * as one `batch`, which takes its locks up front); a deadlock is the caller's to retry.
   */
  async executeIn(tx: EntityManager, command: LedgerCommand): Promise<LedgerResult> {
    for (let attempt = 1; ; attempt += 1) {
      await execute(tx, 'SAVEPOINT ledger_command');
      try {
        const result = await this.run(tx, command);
        if (result.code !== 'ok') await execute(tx, 'ROLLBACK TO SAVEPOINT ledger_command');
        await execute(tx, 'RELEASE SAVEPOINT ledger_command');
        return result;
      } catch (err) {
        try {
          await execute(tx, 'ROLLBACK TO SAVEPOINT ledger_command');
          await execute(tx, 'RELEASE SAVEPOINT ledger_command');
        } catch {
          throw err; // the connection itself failed: report the original error
        }
        const raced = err instanceof LostRace || sqlStateOf(err) === '23505';
        if (raced && attempt < MAX_RACE_ATTEMPTS) continue;
        throw err;
      }
    }
  }

  /**
   * Opens accounts inside the caller's transaction (an account that exists is left as it is), in
   * sorted order so that concurrent posters take the same locks in the same order.
   */
  async openAccountsIn(tx: EntityManager, codes: Iterable<string>): Promise<void> {
    for (const code of [...new Set(codes)].sort()) {
      const opened = await this.executeIn(tx, { type: 'open_account', code });
      if (opened.code !== 'ok') throw new LedgerRefused(opened.code, `account ${code}`);
    }
  }

  /**
   * The posting port of every money path: opens the accounts the command needs (`open`, sorted),
   * executes it inside the caller's transaction, and turns a refusal into a typed `LedgerRefused`
   * carrying the result code (the caller's transaction then rolls back, or the caller catches it).
   */
  async postIn(
    tx: EntityManager,
    command: LedgerCommand,
    posting: { what: string; open?: Iterable<string> },
  ): Promise<LedgerResult> {
    if (posting.open !== undefined) await this.openAccountsIn(tx, posting.open);
    const posted = await this.executeIn(tx, command);
    if (posted.code !== 'ok') throw new LedgerRefused(posted.code, posting.what);
    return posted;
  }

  /**
   * The available balance of an account (0 when it is not open), its row locked FOR NO KEY UPDATE
   * until the caller's transaction ends, so a posting that must not overdraw it reads a figure no
   * concurrent posting can change (refunds after release, TCS corrections).
   */
  async lockedAvailableIn(tx: EntityManager, code: string): Promise<bigint> {
    await execute(tx, `SELECT 1 FROM ledger_accounts WHERE code = $1 FOR NO KEY UPDATE`, [code]);
    const { rows } = await execute<AccountRow>(
      tx,
      `SELECT ${ACCOUNT_COLUMNS_WITH_DELTAS} FROM ledger_accounts a ${DELTAS_JOIN} WHERE a.code = $1`,
      [code],
    );
    return rows[0] === undefined ? 0n : availableBalance(toAccount(rows[0]));
  }

  /**
   * The IST date of an entry's effective time, in the caller's transaction (documents issued for an
   * entry are dated as it: a credit note and its entry fall in the same return period).
   */
  async entryDateIn(tx: EntityManager, key: string): Promise<string> {
    const { rows } = await execute<{ ms: string }>(
      tx,
      `SELECT (extract(epoch FROM effective_at) * 1000)::bigint::text AS ms FROM ledger_entries WHERE id = $1`,
      [key],
    );
    if (rows[0] === undefined) throw new Error(`no ledger entry ${key}`);
    return istDate(Number(rows[0].ms));
  }

  /** Expires a hold whose timeout has passed (on the ledger clock: database time in production). */
  expirePending(pendingKey: string, meta: EntryMeta, key = `expire:${pendingKey}`) {
    return this.execute({ type: 'expire_pending', key, pendingKey, meta });
  }

  /** Unresolved holds whose timeout has passed: what the expiry job picks up, oldest first. */
  async expiredPendingKeys(limit = 100): Promise<string[]> {
    return this.transactions.run(async (tx) => {
      const nowMs = await this.clock.now(tx);
      const { rows } = await execute<{ id: string }>(
        tx,
        `SELECT e.id FROM ledger_entries e
         WHERE e.kind = 'pending' AND e.timeout_at <= to_timestamp($1::float8 / 1000)
           AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.pending_id = e.id)
         ORDER BY e.timeout_at, e.seq LIMIT $2`,
        [nowMs, limit],
      );
      return rows.map((r) => r.id);
    });
  }

  /**
   * Folds appended balance deltas of accounts without a floor into their rows (at most `limit`
   * deltas, oldest first) and returns how many were folded. One roll-up at a time (advisory lock),
   * so a hold and its release are never split across two concurrent roll-ups.
   */
  async rollUpBalanceDeltas(limit = 50_000): Promise<number> {
    return this.transactions.run(async (tx) => {
      await execute(tx, `SELECT pg_advisory_xact_lock(hashtextextended('ledger:rollup', 0))`);
      const { rows } = await execute<{ folded: string }>(
        tx,
        `WITH moved AS (
           DELETE FROM ledger_balance_deltas
           WHERE id IN (SELECT id FROM ledger_balance_deltas ORDER BY id LIMIT $1)
           RETURNING account_id, debits_posted, credits_posted, debits_pending, credits_pending),
         sums AS (
           SELECT account_id, count(*) AS n, sum(debits_posted) AS dp, sum(credits_posted) AS cp,
                  sum(debits_pending) AS dpe, sum(credits_pending) AS cpe
           FROM moved GROUP BY account_id),
         updated AS (
           UPDATE ledger_accounts a SET
             debits_posted = a.debits_posted + s.dp, credits_posted = a.credits_posted + s.cp,
             debits_pending = a.debits_pending + s.dpe, credits_pending = a.credits_pending + s.cpe
           FROM sums s WHERE a.id = s.account_id
           RETURNING s.n)
         SELECT coalesce(sum(n), 0)::text AS folded FROM updated`,
        [limit],
      );
      return Number(rows[0]?.folded ?? 0);
    });
  }

  /** An account with its current counters (rolled-up row plus pending deltas). */
  async account(code: string): Promise<StoredAccount | undefined> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<AccountRow>(
        tx,
        `SELECT ${ACCOUNT_COLUMNS_WITH_DELTAS} FROM ledger_accounts a ${DELTAS_JOIN} WHERE a.code = $1`,
        [code],
      );
      return rows[0] === undefined ? undefined : toAccount(rows[0]);
    });
  }

  /** Every account with its current counters, ordered by code. */
  async accounts(): Promise<StoredAccount[]> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<AccountRow>(
        tx,
        `SELECT ${ACCOUNT_COLUMNS_WITH_DELTAS} FROM ledger_accounts a ${DELTAS_JOIN}
         ORDER BY a.code COLLATE "C"`,
      );
      return rows.map(toAccount);
    });
  }

  // -------------------------------------------------------------------------------------------

  /** One command in `tx`: locks first (referenced entries, then floored accounts), then apply. */
  private async run(tx: EntityManager, command: LedgerCommand): Promise<LedgerResult> {
    if ((command.type === 'post' || command.type === 'hold') && this.clock.isDatabaseTime) {
      const direct = await this.applyDirect(tx, command);
      if (direct !== undefined) return direct;
    }
    const nowMs = await this.clock.now(tx);
    // A batch takes every lock it will need up front, in one order (referenced entries by key, then
    // floored accounts by ascending id), so two batches never wait on each other in a cycle.
    if (command.type === 'batch') {
      const subs = command.commands;
      const keys = [...new Set(subs.map(referencedKey).filter((k) => k !== undefined))].sort();
      for (const key of keys) await this.lockEntryKey(tx, key);
      await this.prepareAccounts(tx, await this.touched(tx, command));
    }
    return this.apply(tx, command, nowMs);
  }

  /**
   * The hot path — a single post or hold whose accounts are all known — in two statements: database
   * time, the idempotency read and the floored accounts' locks (ascending id) in one, then the write.
   * Undefined when an account is not known yet: the general path then runs (and caches it).
   */
  private async applyDirect(
    tx: EntityManager,
    command: Extract<LedgerCommand, { type: 'post' | 'hold' }>,
  ): Promise<LedgerResult | undefined> {
    const envelope = validateEnvelope(command);
    if (envelope !== 'ok') return { code: envelope };
    const refs = new Map<string, AccountRef>();
    for (const l of command.lines) {
      const ref = this.refs.get(l.account);
      if (ref === undefined) return undefined;
      refs.set(l.account, ref);
    }
    const floored = [...new Set([...refs.values()].filter((r) => r.floored).map((r) => r.id))];
    const { rows } = await executePrepared<{
      now: Date;
      seen: { input_hash: string; result: EntryRow['result'] } | null;
      locked: AccountRow[] | null;
    }>(tx, 'ledger_read_for_posting', READ_FOR_POSTING_SQL, [command.key, floored]);
    const row = rows[0];
    assert(row !== undefined, 'hot-path read returned a row');
    const hash = inputHash(command);
    if (row.seen !== null) return replayOf(row.seen.input_hash, row.seen.result, hash);
    const locked = new Map((row.locked ?? []).map((r) => [r.code, toAccount(r)]));
    assert(locked.size === floored.length, 'every floored account locked');
    return this.applyEntryCommand(tx, command, hash, row.now.getTime(), { refs, locked });
  }

  private async apply(
    tx: EntityManager,
    command: LedgerCommand,
    nowMs: number,
  ): Promise<LedgerResult> {
    if (command.type === 'batch') {
      const results: LedgerResult[] = [];
      for (const [index, sub] of command.commands.entries()) {
        const r = await this.apply(tx, sub, nowMs);
        if (r.code !== 'ok') return { ...r, failedIndex: index };
        results.push(r);
      }
      const replayed = results.length > 0 && results.every((r) => r.replayed === true);
      return { code: 'ok', replayed };
    }
    if (command.type === 'open_account') return this.openAccount(tx, command.code);
    const envelope = validateEnvelope(command);
    if (envelope !== 'ok') return { code: envelope };

    const hash = inputHash(command);
    const seen = await this.loadEntry(tx, command.key, false);
    if (seen !== undefined) return replayOf(seen.inputHash, seen.result, hash);
    return this.applyEntryCommand(tx, command, hash, nowMs);
  }

  private async openAccount(tx: EntityManager, code: string): Promise<LedgerResult> {
    const account = openAccountFor(code);
    const parsed = parseAccountCode(code);
    if (account === undefined || parsed === undefined) return { code: 'invalid_account_code' };
    const params = Object.entries(parsed.params);
    const ownerRef = params.length === 0 ? null : params.map(([k, v]) => `${k}=${v}`).join(',');
    const { rows } = await execute<{ id: string }>(
      tx,
      `INSERT INTO ledger_accounts
         (code, type, owner_ref, debits_must_not_exceed_credits, credits_must_not_exceed_debits)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (code) DO NOTHING RETURNING id::text AS id`,
      [
        code,
        account.type,
        ownerRef,
        account.flags.debitsMustNotExceedCredits,
        account.flags.creditsMustNotExceedDebits,
      ],
    );
    return rows.length === 1 ? { code: 'ok' } : { code: 'ok', replayed: true };
  }

  private async applyEntryCommand(
    tx: EntityManager,
    command: EntryCommand,
    hash: string,
    nowMs: number,
    prepared?: PreparedAccounts,
  ): Promise<LedgerResult> {
    switch (command.type) {
      case 'post': {
        const v = validateLines(command.lines);
        if (v !== 'ok') return { code: v };
        return this.commit(
          tx,
          postedEntryDeltas(command.lines),
          {
            key: command.key,
            kind: 'posted',
            lines: command.lines,
            meta: command.meta,
            effectiveAtMs: nowMs,
            inputHash: hash,
          },
          prepared,
        );
      }
      case 'hold': {
        const v = validateLines(command.lines);
        if (v !== 'ok') return { code: v };
        const t = command.timeoutSeconds;
        if (!Number.isSafeInteger(t) || t < 0 || t > MAX_TIMEOUT_SECONDS)
          return { code: 'invalid_timeout' };
        return this.commit(
          tx,
          pendingEntryDeltas(command.lines),
          {
            key: command.key,
            kind: 'pending',
            lines: command.lines,
            meta: command.meta,
            effectiveAtMs: nowMs,
            inputHash: hash,
            timeoutSeconds: t,
          },
          prepared,
        );
      }
      case 'post_pending':
      case 'void_pending':
      case 'expire_pending': {
        // Every resolution of this hold takes this lock first: the state read below is current.
        await this.lockEntryKey(tx, command.pendingKey);
        // A concurrent duplicate of this very command may have committed while we waited.
        const again = await this.loadEntry(tx, command.key, false);
        if (again !== undefined) return replayOf(again.inputHash, again.result, hash);
        const pending = await this.loadEntry(tx, command.pendingKey, true);
        if (pending === undefined || pending.kind !== 'pending')
          return { code: 'pending_not_found' };
        const action = pendingActionOf(command.type);
        const state = await this.pendingState(tx, pending.id);
        const t = transitionPending(state, action, nowMs, pending.timeoutAtMs);
        if (t.code !== 'ok' || !('next' in t)) return { code: t.code };
        const resolved = resolvePendingLines(command, pending.lines);
        if (!('lines' in resolved)) return { code: resolved.code };
        const { lines, deltas } = resolved;
        return this.commit(tx, deltas, {
          key: command.key,
          kind: command.type,
          lines,
          meta: command.meta,
          effectiveAtMs: nowMs,
          inputHash: hash,
          pendingKey: command.pendingKey,
        });
      }
      case 'reverse': {
        // Every reversal of this entry takes this lock first: "already reversed" is current.
        await this.lockEntryKey(tx, command.entryKey);
        const again = await this.loadEntry(tx, command.key, false);
        if (again !== undefined) return replayOf(again.inputHash, again.result, hash);
        const original = await this.loadEntry(tx, command.entryKey, true);
        if (original === undefined) return { code: 'reversal_of_unknown_entry' };
        if (original.kind !== 'posted' && original.kind !== 'post_pending')
          return { code: 'reversal_of_pending_entry' };
        if (original.reversalOf !== null) return { code: 'reversal_of_reversal' };
        const { rows } = await execute(tx, `SELECT 1 FROM ledger_entries WHERE reversal_of = $1`, [
          original.id,
        ]);
        if (rows.length > 0) return { code: 'already_reversed' };
        const lines = reversalLines(original.lines);
        return this.commit(tx, postedEntryDeltas(lines), {
          key: command.key,
          kind: 'posted',
          lines,
          meta: command.meta,
          effectiveAtMs: nowMs,
          inputHash: hash,
          reversalOf: original.id,
        });
      }
    }
  }

  /**
   * Checks the deltas of floored accounts against their locked counters with the domain's
   * constraint function, then appends the entry (with its hash) and its lines, updates the floored
   * accounts' counters and appends one balance delta per account without a floor.
   */
  private async commit(
    tx: EntityManager,
    deltas: Deltas,
    entry: NewEntry,
    prepared?: PreparedAccounts,
  ): Promise<LedgerResult> {
    const { refs, locked } = prepared ?? (await this.prepareAccounts(tx, [...deltas.keys()]));
    const updates: { id: string; code: string; delta: CounterDelta }[] = [];
    const appended: { id: string; delta: CounterDelta }[] = [];
    for (const code of [...deltas.keys()].sort()) {
      const ref = refs.get(code);
      if (ref === undefined) return { code: 'account_not_found' };
      const delta = deltas.get(code);
      assert(delta !== undefined, 'delta present');
      if (!ref.floored) {
        appended.push({ id: ref.id, delta });
        continue;
      }
      const account = locked.get(code);
      assert(account !== undefined, `floored account ${code} locked`);
      const next = addCounters(account, delta);
      assertCountersSane(code, next);
      const violation = checkConstraints(account.flags, next);
      if (violation !== undefined) return { code: violation };
      updates.push({ id: ref.id, code, delta });
    }

    const result: LedgerResult = { code: 'ok', entryKey: entry.key };
    const timeoutAtMs =
      entry.kind === 'pending' && entry.timeoutSeconds !== undefined && entry.timeoutSeconds > 0
        ? entry.effectiveAtMs + entry.timeoutSeconds * 1000
        : null;
    const metadata = entry.meta.metadata ?? {};
    const hash = entryHash({
      id: entry.key,
      kind: entry.kind,
      eventType: entry.meta.eventType,
      reference: entry.meta.reference,
      actor: entry.meta.actor,
      effectiveAtMs: entry.effectiveAtMs,
      metadata,
      pendingId: entry.pendingKey ?? null,
      reversalOf: entry.reversalOf ?? null,
      timeoutAtMs,
      inputHash: entry.inputHash,
      result: { ...result },
      lines: entry.lines,
    });
    // One statement writes the entry, its lines, the floored counters and the hot deltas; if the
    // entry id was taken concurrently nothing is written (everything joins the inserted row).
    const { rows } = await executePrepared<{ seq: string; updated: number }>(
      tx,
      'ledger_write_entry',
      WRITE_ENTRY_SQL,
      [
        entry.key,
        entry.kind,
        entry.meta.eventType,
        entry.meta.reference,
        entry.meta.actor,
        new Date(entry.effectiveAtMs).toISOString(),
        JSON.stringify(metadata),
        entry.pendingKey ?? null,
        entry.reversalOf ?? null,
        entry.kind === 'pending' ? (entry.timeoutSeconds ?? 0) : null,
        timeoutAtMs === null ? null : new Date(timeoutAtMs).toISOString(),
        entry.inputHash,
        JSON.stringify(result),
        hash,
        entry.lines.map((l) => {
          const ref = refs.get(l.account);
          assert(ref !== undefined, `line account ${l.account} known`);
          return ref.id;
        }),
        entry.lines.map((l) => l.side),
        entry.lines.map((l) => l.amountPaise.toString()),
        ...counterColumns(updates),
        ...counterColumns(appended),
      ],
    );
    if (rows[0] === undefined) throw new LostRace(entry.key);
    assert(rows[0].updated === updates.length, `entry ${entry.key}: every floored account updated`);
    return result;
  }

  /** Codes of the accounts a command will touch, as far as known before it runs. */
  private async touched(tx: EntityManager, command: LedgerCommand): Promise<string[]> {
    switch (command.type) {
      case 'batch': {
        const out: string[] = [];
        for (const sub of command.commands) out.push(...(await this.touched(tx, sub)));
        return out;
      }
      case 'open_account':
        return [];
      case 'post':
      case 'hold':
        return command.lines.map((l) => l.account);
      case 'post_pending':
      case 'void_pending':
      case 'expire_pending':
      case 'reverse': {
        const ref = command.type === 'reverse' ? command.entryKey : command.pendingKey;
        const entry = await this.loadEntry(tx, ref, true);
        const own = command.type === 'post_pending' ? (command.lines ?? []) : [];
        return [...(entry?.lines ?? []), ...own].map((l) => l.account);
      }
    }
  }

  /** Serializes every resolution of one hold, and every reversal of one entry, until commit. */
  private async lockEntryKey(tx: EntityManager, key: string): Promise<void> {
    await execute(tx, `SELECT pg_advisory_xact_lock(hashtextextended('ledger:entry:' || $1, 0))`, [
      key,
    ]);
  }

  /**
   * Finds the named accounts (missing codes are absent) and locks those with a balance floor in
   * ascending id order, returning their current counters. Accounts without a floor are not locked:
   * nothing about them is checked, their deltas are appended.
   */
  private async prepareAccounts(
    tx: EntityManager,
    codes: readonly string[],
  ): Promise<PreparedAccounts> {
    const unique = [...new Set(codes)];
    const unknown = unique.filter((c) => !this.refs.has(c));
    const uncached = new Map<string, AccountRef>();
    if (unknown.length > 0) {
      // An account opened by this very transaction (or one of its savepoints, whose ids come after
      // the transaction's own) is used but not cached: it may roll back. Rows of transactions that
      // started later are merely not cached this time.
      const { rows } = await execute<AccountRow & { mine: boolean }>(
        tx,
        `SELECT ${ACCOUNT_COLUMNS},
           coalesce(age(xmin) <= age(xid(pg_current_xact_id_if_assigned())), false) AS mine
         FROM ledger_accounts WHERE code = ANY($1::text[])`,
        [unknown],
      );
      for (const r of rows) {
        const floored = r.debits_must_not_exceed_credits || r.credits_must_not_exceed_debits;
        const ref = { id: r.id, code: r.code, floored };
        if (r.mine) uncached.set(r.code, ref);
        else this.refs.set(r.code, ref);
      }
    }
    const refs = new Map<string, AccountRef>();
    for (const c of unique) {
      const ref = this.refs.get(c) ?? uncached.get(c);
      if (ref !== undefined) refs.set(c, ref);
    }
    const floored = [...refs.values()].filter((r) => r.floored).map((r) => r.id);
    const locked = new Map<string, StoredAccount>();
    if (floored.length > 0) {
      const { rows } = await execute<AccountRow>(
        tx,
        `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::bigint[])
         ORDER BY id FOR NO KEY UPDATE`,
        [floored],
      );
      for (const r of rows) locked.set(r.code, toAccount(r));
    }
    return { refs, locked };
  }

  private async loadEntry(
    tx: EntityManager,
    id: string,
    withLines: boolean,
  ): Promise<StoredEntry | undefined> {
    const { rows } = await execute<EntryRow>(
      tx,
      `SELECT id, kind, reversal_of, timeout_at, input_hash, result
       FROM ledger_entries WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    let lines: Line[] = [];
    if (withLines) {
      const l = await execute<{ code: string; side: 'debit' | 'credit'; amount: string }>(
        tx,
        `SELECT a.code, l.side, l.amount::text AS amount
         FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
         WHERE l.entry_id = $1 ORDER BY l.line_no`,
        [id],
      );
      lines = l.rows.map((r) => ({
        account: r.code,
        side: r.side,
        amountPaise: BigInt(r.amount),
      }));
    }
    const code = row.result.code;
    assert(isResultCode(code), `entry ${id}: stored result code ${code}`);
    return {
      id: row.id,
      kind: row.kind,
      reversalOf: row.reversal_of,
      timeoutAtMs: row.timeout_at === null ? undefined : row.timeout_at.getTime(),
      inputHash: row.input_hash,
      result: { ...row.result, code },
      lines,
    };
  }

  private async pendingState(tx: EntityManager, pendingId: string): Promise<PendingState> {
    const { rows } = await execute<{ kind: EntryKind }>(
      tx,
      `SELECT kind FROM ledger_entries WHERE pending_id = $1`,
      [pendingId],
    );
    const kind = rows[0]?.kind;
    if (kind === undefined) return 'pending';
    return kind === 'post_pending' ? 'posted' : kind === 'void_pending' ? 'voided' : 'expired';
  }
}
