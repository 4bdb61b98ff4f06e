/**
 * The PostgreSQL ledger: executes the domain's commands (the same `LedgerCommand`s the in-memory
 * `LedgerModel` applies) with the same results, one transaction per command or batch. All balance,
 * flag and two-phase logic is the domain's; this class only reads, locks and writes.
 *
 * Per command: idempotency check by entry id + input hash; the touched accounts locked in ascending
 * id order (`SELECT … FOR UPDATE`), which also serializes every resolution of one pending entry and
 * every reversal of one entry (they touch the same accounts), so their state is re-read after the
 * locks; domain validation on the locked counters; then the entry (`INSERT … ON CONFLICT (id) DO
 * NOTHING`: a concurrent duplicate that committed first makes this transaction roll back and replay
 * the stored result), its lines and the counter UPDATEs.
 */
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  type Account,
  type AccountType,
  addCounters,
  assertCountersSane,
  checkConstraints,
  type CounterDelta,
  openAccountFor,
  parseAccountCode,
} from '../domain/account.js';
import { assert } from '../domain/assert.js';
import { canonicalJson } from '../domain/canonical.js';
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
import type { EntryKind, EntryMeta, LedgerCommand, LedgerResult } from '../domain/ledger-model.js';
import { isResultCode } from '../domain/result-codes.js';
import { LedgerClock } from './ledger-clock.js';

type EntryCommand = Exclude<LedgerCommand, { type: 'batch' } | { type: 'open_account' }>;

export interface StoredAccount extends Account {
  readonly id: string;
  readonly ownerRef: string | null;
}

interface AccountRow {
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

const ACCOUNT_COLUMNS = `id::text AS id, code, type, owner_ref, debits_must_not_exceed_credits,
  credits_must_not_exceed_debits, debits_posted::text AS debits_posted,
  credits_posted::text AS credits_posted, debits_pending::text AS debits_pending,
  credits_pending::text AS credits_pending`;

function toAccount(r: AccountRow): StoredAccount {
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

function sqlstateOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}

function inputHash(command: EntryCommand): string {
  return createHash('sha256').update(canonicalJson(command)).digest('hex');
}

@Injectable()
export class LedgerService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly clock: LedgerClock,
  ) {}

  /**
   * Executes one command (or an all-or-nothing batch) in one transaction and returns its typed
   * result, exactly as `LedgerModel.apply` would. Only `ok` has an effect.
   */
  async execute(command: LedgerCommand): Promise<LedgerResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.transactions.run(async (tx) => {
          const nowMs = await this.clock.now(tx);
          // A batch locks every account it will touch up front, in one ascending-id pass, so two
          // batches never take their locks in opposite orders (no deadlock to retry).
          if (command.type === 'batch')
            await this.lockAccounts(tx, await this.touched(tx, command));
          const result = await this.apply(tx, command, nowMs);
          if (result.code !== 'ok') throw new Rejected(result);
          return result;
        });
      } catch (err) {
        if (err instanceof Rejected) return err.result;
        // A duplicate key, or a resolution/reversal index hit by a concurrent command: re-running
        // sees the committed winner and returns the replay or the typed refusal.
        const raced = err instanceof LostRace || sqlstateOf(err) === '23505';
        if (raced && attempt < MAX_RACE_ATTEMPTS) continue;
        throw err;
      }
    }
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

  async account(code: string): Promise<StoredAccount | undefined> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<AccountRow>(
        tx,
        `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE code = $1`,
        [code],
      );
      return rows[0] === undefined ? undefined : toAccount(rows[0]);
    });
  }

  /** Every account, ordered by code. */
  async accounts(): Promise<StoredAccount[]> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<AccountRow>(
        tx,
        `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts ORDER BY code COLLATE "C"`,
      );
      return rows.map(toAccount);
    });
  }

  // -------------------------------------------------------------------------------------------

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

    const hash = inputHash(command);
    const seen = await this.loadEntry(tx, command.key, false);
    if (seen !== undefined) {
      return seen.inputHash === hash
        ? { ...seen.result, replayed: true }
        : { code: 'exists_with_different_input' };
    }
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
  ): Promise<LedgerResult> {
    switch (command.type) {
      case 'post': {
        const v = validateLines(command.lines);
        if (v !== 'ok') return { code: v };
        return this.commit(tx, postedEntryDeltas(command.lines), {
          key: command.key,
          kind: 'posted',
          lines: command.lines,
          meta: command.meta,
          effectiveAtMs: nowMs,
          inputHash: hash,
        });
      }
      case 'hold': {
        const v = validateLines(command.lines);
        if (v !== 'ok') return { code: v };
        const t = command.timeoutSeconds;
        if (!Number.isSafeInteger(t) || t < 0 || t > MAX_TIMEOUT_SECONDS)
          return { code: 'invalid_timeout' };
        return this.commit(tx, pendingEntryDeltas(command.lines), {
          key: command.key,
          kind: 'pending',
          lines: command.lines,
          meta: command.meta,
          effectiveAtMs: nowMs,
          inputHash: hash,
          timeoutSeconds: t,
        });
      }
      case 'post_pending':
      case 'void_pending':
      case 'expire_pending': {
        const pending = await this.loadEntry(tx, command.pendingKey, true);
        if (pending === undefined || pending.kind !== 'pending')
          return { code: 'pending_not_found' };
        // Every resolution of this hold touches (a subset of) its accounts: once they are locked,
        // no other resolution can commit until we do, so the state read below is current.
        const locked = await this.lockAccounts(tx, [
          ...pending.lines.map((l) => l.account),
          ...(command.type === 'post_pending' ? (command.lines ?? []) : []).map((l) => l.account),
        ]);
        const action = pendingActionOf(command.type);
        const state = await this.pendingState(tx, pending.id);
        const t = transitionPending(state, action, nowMs, pending.timeoutAtMs);
        if (t.code !== 'ok' || !('next' in t)) return { code: t.code };
        const resolved = resolvePendingLines(command, pending.lines);
        if (!('lines' in resolved)) return { code: resolved.code };
        const { lines, deltas } = resolved;
        return this.commit(
          tx,
          deltas,
          {
            key: command.key,
            kind: command.type,
            lines,
            meta: command.meta,
            effectiveAtMs: nowMs,
            inputHash: hash,
            pendingKey: command.pendingKey,
          },
          locked,
        );
      }
      case 'reverse': {
        const original = await this.loadEntry(tx, command.entryKey, true);
        if (original === undefined) return { code: 'reversal_of_unknown_entry' };
        if (original.kind !== 'posted' && original.kind !== 'post_pending')
          return { code: 'reversal_of_pending_entry' };
        if (original.reversalOf !== null) return { code: 'reversal_of_reversal' };
        // A reversal touches every account of the original: locked, "already reversed" is current.
        const lines = reversalLines(original.lines);
        const locked = await this.lockAccounts(
          tx,
          lines.map((l) => l.account),
        );
        const { rows } = await execute(tx, `SELECT 1 FROM ledger_entries WHERE reversal_of = $1`, [
          original.id,
        ]);
        if (rows.length > 0) return { code: 'already_reversed' };
        return this.commit(
          tx,
          postedEntryDeltas(lines),
          {
            key: command.key,
            kind: 'posted',
            lines,
            meta: command.meta,
            effectiveAtMs: nowMs,
            inputHash: hash,
            reversalOf: original.id,
          },
          locked,
        );
      }
    }
  }

  /**
   * Checks the deltas against the locked accounts with the domain's constraint function, then
   * appends the entry and its lines and applies the counter deltas.
   */
  private async commit(
    tx: EntityManager,
    deltas: Deltas,
    entry: NewEntry,
    alreadyLocked?: Map<string, StoredAccount>,
  ): Promise<LedgerResult> {
    const accounts = alreadyLocked ?? (await this.lockAccounts(tx, [...deltas.keys()]));
    const updates: { id: string; code: string; delta: CounterDelta }[] = [];
    for (const code of [...deltas.keys()].sort()) {
      const account = accounts.get(code);
      if (account === undefined) return { code: 'account_not_found' };
      const delta = deltas.get(code);
      assert(delta !== undefined, 'delta present');
      const next = addCounters(account, delta);
      assertCountersSane(code, next);
      const violation = checkConstraints(account.flags, next);
      if (violation !== undefined) return { code: violation };
      updates.push({ id: account.id, code, delta });
    }

    const result: LedgerResult = { code: 'ok', entryKey: entry.key };
    const timeoutAt =
      entry.kind === 'pending' && entry.timeoutSeconds !== undefined && entry.timeoutSeconds > 0
        ? new Date(entry.effectiveAtMs + entry.timeoutSeconds * 1000).toISOString()
        : null;
    const inserted = await execute(
      tx,
      `INSERT INTO ledger_entries
         (id, kind, event_type, reference, actor, effective_at, metadata, pending_id, reversal_of,
          timeout_seconds, timeout_at, input_hash, result)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13::jsonb)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        entry.key,
        entry.kind,
        entry.meta.eventType,
        entry.meta.reference,
        entry.meta.actor,
        new Date(entry.effectiveAtMs).toISOString(),
        JSON.stringify(entry.meta.metadata ?? {}),
        entry.pendingKey ?? null,
        entry.reversalOf ?? null,
        entry.kind === 'pending' ? (entry.timeoutSeconds ?? 0) : null,
        timeoutAt,
        entry.inputHash,
        JSON.stringify(result),
      ],
    );
    if (inserted.rows.length !== 1) throw new LostRace(entry.key);

    const accountIds = entry.lines.map((l) => {
      const a = accounts.get(l.account);
      assert(a !== undefined, `line account ${l.account} locked`);
      return a.id;
    });
    await execute(
      tx,
      `INSERT INTO ledger_lines (entry_id, line_no, account_id, side, amount)
       SELECT $1, (t.n - 1)::smallint, t.account_id, t.side, t.amount
       FROM unnest($2::bigint[], $3::text[], $4::bigint[]) WITH ORDINALITY AS t(account_id, side, amount, n)`,
      [
        entry.key,
        accountIds,
        entry.lines.map((l) => l.side),
        entry.lines.map((l) => l.amountPaise.toString()),
      ],
    );
    for (const u of updates) {
      const { affected } = await execute(
        tx,
        `UPDATE ledger_accounts SET
           debits_posted = debits_posted + $2::bigint,
           credits_posted = credits_posted + $3::bigint,
           debits_pending = debits_pending + $4::bigint,
           credits_pending = credits_pending + $5::bigint
         WHERE id = $1`,
        [
          u.id,
          u.delta.debitsPosted.toString(),
          u.delta.creditsPosted.toString(),
          u.delta.debitsPending.toString(),
          u.delta.creditsPending.toString(),
        ],
      );
      assert(affected === 1, `account ${u.code} updated`);
    }
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

  /** Locks the named accounts that exist, in ascending id order; missing codes are absent. */
  private async lockAccounts(
    tx: EntityManager,
    codes: readonly string[],
  ): Promise<Map<string, StoredAccount>> {
    const unique = [...new Set(codes)];
    const { rows } = await execute<AccountRow>(
      tx,
      `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE code = ANY($1::text[])
       ORDER BY id FOR UPDATE`,
      [unique],
    );
    return new Map(rows.map((r) => [r.code, toAccount(r)]));
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
