/**
 * The ledger's read side: accounts with their counters, balances now or as of any past instant,
 * statements with running balances, the trial balance, journal search and export batches. Reads
 * only; every multi-statement read runs in one REPEATABLE READ, READ ONLY transaction, so its
 * parts agree with each other.
 *
 * Balances as of an instant are recomputed from the journal with the counters' own semantics
 * (src/ledger/domain/journal.ts): of every entry effective at or before the instant, the lines of
 * `posted` and `post_pending` entries add to the posted counters, the lines of `pending` entries
 * add to the pending counters, and each resolution (`post_pending`, `void_pending`,
 * `expire_pending`) subtracts the lines of the hold it resolves from the pending counters.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { execute } from '../../database/sql.js';
import { ReplicaReads } from '../../database/replica-reads.js';
import { type AccountType, normalSide, type Side } from '../domain/account.js';
import type { EntryKind } from '../domain/ledger-model.js';
import {
  ACCOUNT_COLUMNS_WITH_DELTAS,
  ACCOUNT_FACTS,
  type AccountRow,
  DELTAS_JOIN,
  type StoredAccount,
  toAccount,
} from '../persistence/account-rows.js';

/**
 * What an export reads: the entries of the transactions its `snapshot` (a `pg_snapshot`,
 * `xmin:xmax:xip…`) sees as ended, and the WAL position that has them all (`lsn`).
 */
export interface ExportHorizon {
  snapshot: string;
  lsn: string;
}

/** Entries fetched per query by the export: bounded memory whatever the journal's size. */
export const LEDGER_EXPORT_BATCH_SIZE = 1000;

/** An account with its counters (now, or as of an instant). */
export type AccountRecord = StoredAccount;

export type BalanceSource = 'counters' | 'journal';

export interface AccountsAt {
  readonly asOf: Date;
  readonly source: BalanceSource;
}

export interface StatementLineRecord {
  readonly entrySeq: bigint;
  readonly entryId: string;
  readonly lineNo: number;
  readonly kind: EntryKind;
  readonly eventType: string;
  readonly reference: string;
  readonly effectiveAt: Date;
  readonly side: Side;
  readonly amount: bigint;
  readonly phase: 'posted' | 'pending' | 'released';
  /** Posted balance on the account's normal side after this line (journal order). */
  readonly runningBalance: bigint;
}

/** A statement position: after this line (keyset on entry seq, line number). */
export interface StatementPosition {
  readonly seq: bigint;
  readonly lineNo: number;
}

export interface TimeRange {
  /** Inclusive lower bound on effective time. */
  readonly from?: Date;
  /** Exclusive upper bound on effective time. */
  readonly to?: Date;
}

export interface EntryFilter extends TimeRange {
  readonly reference?: string;
  readonly eventType?: string;
  /** Only entries with a line on this account code. */
  readonly account?: string;
}

export interface EntryLineRecord {
  readonly lineNo: number;
  readonly account: string;
  readonly side: Side;
  readonly amount: bigint;
}

export interface SealProofRecord {
  readonly sealNo: bigint;
  readonly position: number;
  readonly hash: string;
  readonly prevHash: string;
  readonly signature: string;
  readonly keyId: string;
}

export interface EntryRecord {
  readonly seq: bigint;
  readonly id: string;
  readonly kind: EntryKind;
  readonly eventType: string;
  readonly reference: string;
  readonly actor: string;
  readonly effectiveAt: Date;
  readonly metadata: Record<string, string>;
  readonly pendingId: string | null;
  readonly reversalOf: string | null;
  readonly timeoutAt: Date | null;
  readonly inputHash: string;
  readonly result: Record<string, unknown>;
  readonly hash: string;
  readonly lines: readonly EntryLineRecord[];
  readonly seal: SealProofRecord | null;
}

interface EntryRow {
  seq: string;
  id: string;
  kind: EntryKind;
  event_type: string;
  reference: string;
  actor: string;
  effective_at: Date;
  metadata: Record<string, string>;
  pending_id: string | null;
  reversal_of: string | null;
  timeout_at: Date | null;
  input_hash: string;
  result: Record<string, unknown>;
  hash: string;
  seal_no: string | null;
  seal_position: number | null;
  seal_hash: string | null;
  seal_prev_hash: string | null;
  seal_signature: string | null;
  seal_key_id: string | null;
  lines: { lineNo: number; account: string; side: Side; amount: string }[] | null;
}

interface StatementRow {
  entry_seq: string;
  line_no: number;
  side: Side;
  amount: string;
  entry_id: string;
  kind: EntryKind;
  event_type: string;
  reference: string;
  effective_at: Date;
  opening: string;
  running: string;
}

/**
 * Counter movements of every entry effective at or before `asOf` (a parameter reference), per
 * account: one row per (account, phase, side, signed amount). `accountParam` narrows it to one
 * account id.
 */
function journalMovements(asOf: string, accountParam?: string): string {
  const own = accountParam === undefined ? '' : `AND l.account_id = ${accountParam}`;
  return `
    SELECT l.account_id, CASE WHEN e.kind = 'pending' THEN 'pending' ELSE 'posted' END AS phase,
           l.side, l.amount
    FROM ledger_entries e JOIN ledger_lines l ON l.entry_seq = e.seq
    WHERE e.kind IN ('posted', 'post_pending', 'pending') AND e.effective_at <= ${asOf} ${own}
    UNION ALL
    SELECT l.account_id, 'pending', l.side, -l.amount
    FROM ledger_entries r
    JOIN ledger_entries p ON p.id = r.pending_id
    JOIN ledger_lines l ON l.entry_seq = p.seq
    WHERE r.kind IN ('post_pending', 'void_pending', 'expire_pending')
      AND r.effective_at <= ${asOf} ${own}`;
}

/** The four counters summed from `journalMovements` (alias `m`); `cast` e.g. `::text`. */
function journalSums(cast = ''): string {
  const sum = (phase: string, side: Side, name: string) =>
    `coalesce(sum(m.amount) FILTER (WHERE m.phase = '${phase}' AND m.side = '${side}'), 0)${cast} AS ${name}`;
  return [
    sum('posted', 'debit', 'debits_posted'),
    sum('posted', 'credit', 'credits_posted'),
    sum('pending', 'debit', 'debits_pending'),
    sum('pending', 'credit', 'credits_pending'),
  ].join(',\n  ');
}

type CounterColumn = 'debits_posted' | 'credits_posted' | 'debits_pending' | 'credits_pending';

/** Every column of an entry, its lines (with account codes) and the seal covering it (alias `e`). */
const ENTRY_SELECT = `
  SELECT e.seq::text AS seq, e.id, e.kind, e.event_type, e.reference, e.actor, e.effective_at,
         e.metadata, e.pending_id, e.reversal_of, e.timeout_at, e.input_hash, e.result, e.hash,
         se.seal_no::text AS seal_no, se.position AS seal_position, s.hash AS seal_hash,
         s.prev_hash AS seal_prev_hash, s.signature AS seal_signature, s.key_id AS seal_key_id,
         (SELECT json_agg(json_build_object('lineNo', l.line_no, 'account', a.code,
                                            'side', l.side, 'amount', l.amount::text)
                          ORDER BY l.line_no)
          FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
          WHERE l.entry_id = e.id) AS lines
  FROM ledger_entries e
  LEFT JOIN ledger_seal_entries se ON se.entry_id = e.id
  LEFT JOIN ledger_seals s ON s.seal_no = se.seal_no`;

const POSTED_KINDS = `('posted', 'post_pending')`;

function toEntry(r: EntryRow): EntryRecord {
  return {
    seq: BigInt(r.seq),
    id: r.id,
    kind: r.kind,
    eventType: r.event_type,
    reference: r.reference,
    actor: r.actor,
    effectiveAt: r.effective_at,
    metadata: r.metadata,
    pendingId: r.pending_id,
    reversalOf: r.reversal_of,
    timeoutAt: r.timeout_at,
    inputHash: r.input_hash,
    result: r.result,
    hash: r.hash,
    lines: (r.lines ?? []).map((l) => ({
      lineNo: l.lineNo,
      account: l.account,
      side: l.side,
      amount: BigInt(l.amount),
    })),
    seal:
      r.seal_no === null
        ? null
        : {
            sealNo: BigInt(r.seal_no),
            position: r.seal_position ?? 0,
            hash: r.seal_hash ?? '',
            prevHash: r.seal_prev_hash ?? '',
            signature: r.seal_signature ?? '',
            keyId: r.seal_key_id ?? '',
          },
  };
}

function phaseOf(kind: EntryKind): StatementLineRecord['phase'] {
  if (kind === 'posted' || kind === 'post_pending') return 'posted';
  return kind === 'pending' ? 'pending' : 'released';
}

/** Appends a parameter and returns its placeholder. */
function param(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

function timeWhere(range: TimeRange, params: unknown[], column = 'e.effective_at'): string[] {
  const where: string[] = [];
  if (range.from !== undefined)
    where.push(`${column} >= ${param(params, range.from.toISOString())}::timestamptz`);
  if (range.to !== undefined)
    where.push(`${column} < ${param(params, range.to.toISOString())}::timestamptz`);
  return where;
}

function entryWhere(filter: EntryFilter, params: unknown[]): string[] {
  const where = timeWhere(filter, params);
  if (filter.reference !== undefined)
    where.push(`e.reference = ${param(params, filter.reference)}`);
  if (filter.eventType !== undefined)
    where.push(`e.event_type = ${param(params, filter.eventType)}`);
  if (filter.account !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM ledger_lines fl WHERE fl.entry_id = e.id
      AND fl.account_id = (SELECT id FROM ledger_accounts WHERE code = ${param(params, filter.account)}))`);
  }
  return where;
}

function sqlWhere(where: readonly string[]): string {
  return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
}

@Injectable()
export class LedgerReadService {
  constructor(private readonly replica: ReplicaReads) {}

  /** Accounts by code (ascending), with their current counters; `afterCode` continues a page. */
  async accounts(
    filter: { prefix?: string; type?: AccountType },
    page: { limit: number; afterCode?: string },
  ): Promise<{ items: AccountRecord[]; hasMore: boolean }> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.prefix !== undefined)
      where.push(`starts_with(a.code, ${param(params, filter.prefix)})`);
    if (filter.type !== undefined) where.push(`a.type = ${param(params, filter.type)}`);
    if (page.afterCode !== undefined) where.push(`a.code > ${param(params, page.afterCode)}`);
    const rows = await this.read((tx) =>
      execute<AccountRow>(
        tx,
        `SELECT ${ACCOUNT_COLUMNS_WITH_DELTAS}
         FROM ledger_accounts a ${DELTAS_JOIN}
         ${sqlWhere(where)}
         ORDER BY a.code LIMIT ${param(params, page.limit + 1)}`,
        params,
      ),
    );
    return {
      items: rows.rows.slice(0, page.limit).map(toAccount),
      hasMore: rows.rows.length > page.limit,
    };
  }

  /**
   * One account's counters: now (row plus unrolled deltas) when `asOf` is undefined, else
   * recomputed from the journal as of that instant. Undefined for an unknown account.
   */
  async balance(
    code: string,
    asOf?: Date,
  ): Promise<{ account: AccountRecord; at: AccountsAt } | undefined> {
    return this.read(async (tx) => {
      if (asOf === undefined) {
        const { rows } = await execute<AccountRow & { now: Date }>(
          tx,
          `SELECT ${ACCOUNT_COLUMNS_WITH_DELTAS}, now() AS now
           FROM ledger_accounts a ${DELTAS_JOIN} WHERE a.code = $1`,
          [code],
        );
        const row = rows[0];
        if (row === undefined) return undefined;
        return { account: toAccount(row), at: { asOf: row.now, source: 'counters' } };
      }
      const { rows: facts } = await execute<AccountRow>(
        tx,
        `SELECT ${ACCOUNT_FACTS} FROM ledger_accounts a WHERE a.code = $1`,
        [code],
      );
      const fact = facts[0];
      if (fact === undefined) return undefined;
      const { rows: sums } = await execute<Pick<AccountRow, CounterColumn>>(
        tx,
        `SELECT ${journalSums('::text')} FROM (${journalMovements('$2::timestamptz', '$1::bigint')}) m`,
        [fact.id, asOf.toISOString()],
      );
      const row = { ...fact, ...sums[0] };
      return { account: toAccount(row), at: { asOf, source: 'journal' } };
    });
  }

  /**
   * The account's lines in journal order (entry seq, line number) after `after`, with entries
   * effective in `range`, each with the posted balance after it. The balance before the page is
   * one aggregate over the account's earlier lines (index on account_id, entry_seq, line_no); the
   * running balance then adds every posted line of the account between the page's first and last
   * line, including lines the time range leaves out, so it is the account's true balance in
   * journal order on any page. Undefined for an unknown account.
   */
  async statement(
    code: string,
    range: TimeRange,
    page: { limit: number; after?: StatementPosition },
  ): Promise<
    | {
        account: AccountRecord;
        lines: StatementLineRecord[];
        openingBalance: bigint | null;
        hasMore: boolean;
      }
    | undefined
  > {
    return this.read(async (tx) => {
      const { rows: accounts } = await execute<AccountRow>(
        tx,
        `SELECT ${ACCOUNT_COLUMNS_WITH_DELTAS}
         FROM ledger_accounts a ${DELTAS_JOIN} WHERE a.code = $1`,
        [code],
      );
      const accountRow = accounts[0];
      if (accountRow === undefined) return undefined;
      const account = toAccount(accountRow);
      const params: unknown[] = [
        account.id,
        normalSide(account.type),
        (page.after?.seq ?? 0n).toString(),
        page.after?.lineNo ?? -1,
      ];
      const where = timeWhere(range, params);
      const limit = param(params, page.limit + 1);
      const { rows } = await execute<StatementRow>(
        tx,
        `WITH page AS (
           SELECT l.entry_seq, l.line_no, l.side, l.amount, e.id AS entry_id, e.kind,
                  e.event_type, e.reference, e.effective_at
           FROM ledger_lines l JOIN ledger_entries e ON e.seq = l.entry_seq
           WHERE l.account_id = $1 AND (l.entry_seq, l.line_no) > ($3::bigint, $4::int)
             ${where.map((w) => `AND ${w}`).join(' ')}
           ORDER BY l.entry_seq, l.line_no
           LIMIT ${limit}),
         first AS (SELECT entry_seq, line_no FROM page ORDER BY entry_seq, line_no LIMIT 1),
         last AS (SELECT entry_seq, line_no FROM page ORDER BY entry_seq DESC, line_no DESC LIMIT 1),
         opening AS (
           SELECT coalesce(sum(CASE WHEN l.side = $2 THEN l.amount ELSE -l.amount END), 0) AS balance
           FROM first f
           JOIN ledger_lines l
             ON l.account_id = $1 AND (l.entry_seq, l.line_no) < (f.entry_seq, f.line_no)
           JOIN ledger_entries e ON e.seq = l.entry_seq AND e.kind IN ${POSTED_KINDS}),
         span AS (
           SELECT l.entry_seq, l.line_no,
                  sum(CASE WHEN e.kind NOT IN ${POSTED_KINDS} THEN 0
                           WHEN l.side = $2 THEN l.amount ELSE -l.amount END)
                    OVER (ORDER BY l.entry_seq, l.line_no) AS moved
           FROM first f CROSS JOIN last z
           JOIN ledger_lines l
             ON l.account_id = $1
            AND (l.entry_seq, l.line_no) >= (f.entry_seq, f.line_no)
            AND (l.entry_seq, l.line_no) <= (z.entry_seq, z.line_no)
           JOIN ledger_entries e ON e.seq = l.entry_seq)
         SELECT p.entry_seq::text AS entry_seq, p.line_no, p.side, p.amount::text AS amount,
                p.entry_id, p.kind, p.event_type, p.reference, p.effective_at,
                o.balance::text AS opening, (o.balance + s.moved)::text AS running
         FROM page p JOIN span s USING (entry_seq, line_no) CROSS JOIN opening o
         ORDER BY p.entry_seq, p.line_no`,
        params,
      );
      const lines = rows.slice(0, page.limit).map((r): StatementLineRecord => ({
        entrySeq: BigInt(r.entry_seq),
        entryId: r.entry_id,
        lineNo: r.line_no,
        kind: r.kind,
        eventType: r.event_type,
        reference: r.reference,
        effectiveAt: r.effective_at,
        side: r.side,
        amount: BigInt(r.amount),
        phase: phaseOf(r.kind),
        runningBalance: BigInt(r.running),
      }));
      return {
        account,
        lines,
        openingBalance: rows[0] === undefined ? null : BigInt(rows[0].opening),
        hasMore: rows.length > page.limit,
      };
    });
  }

  /**
   * Every account (by code) with its counters: now, or as of `asOf` recomputed from the journal
   * (accounts opened after `asOf` without earlier entries are left out).
   */
  async accountsAt(asOf?: Date): Promise<{ accounts: AccountRecord[]; at: AccountsAt }> {
    return this.read(async (tx) => {
      if (asOf === undefined) {
        const { rows } = await execute<AccountRow>(
          tx,
          `SELECT ${ACCOUNT_COLUMNS_WITH_DELTAS}
           FROM ledger_accounts a ${DELTAS_JOIN} ORDER BY a.code`,
        );
        const { rows: clock } = await execute<{ now: Date }>(tx, 'SELECT now() AS now');
        return {
          accounts: rows.map(toAccount),
          at: { asOf: clock[0]?.now ?? new Date(), source: 'counters' },
        };
      }
      const { rows } = await execute<AccountRow>(
        tx,
        `SELECT ${ACCOUNT_FACTS},
           coalesce(j.debits_posted, 0)::text AS debits_posted,
           coalesce(j.credits_posted, 0)::text AS credits_posted,
           coalesce(j.debits_pending, 0)::text AS debits_pending,
           coalesce(j.credits_pending, 0)::text AS credits_pending
         FROM ledger_accounts a
         LEFT JOIN (SELECT m.account_id, ${journalSums()}
                    FROM (${journalMovements('$1::timestamptz')}) m GROUP BY m.account_id) j
           ON j.account_id = a.id
         WHERE a.created_at <= $1::timestamptz OR j.account_id IS NOT NULL
         ORDER BY a.code`,
        [asOf.toISOString()],
      );
      return { accounts: rows.map(toAccount), at: { asOf, source: 'journal' } };
    });
  }

  /** Entries matching every criterion, newest first (seq descending); `beforeSeq` continues a page. */
  async entries(
    filter: EntryFilter,
    page: { limit: number; beforeSeq?: bigint },
  ): Promise<{ items: EntryRecord[]; hasMore: boolean }> {
    const params: unknown[] = [];
    const where = entryWhere(filter, params);
    if (page.beforeSeq !== undefined)
      where.push(`e.seq < ${param(params, page.beforeSeq.toString())}::bigint`);
    const { rows } = await this.read((tx) =>
      execute<EntryRow>(
        tx,
        `${ENTRY_SELECT} ${sqlWhere(where)}
         ORDER BY e.seq DESC LIMIT ${param(params, page.limit + 1)}`,
        params,
      ),
    );
    return { items: rows.slice(0, page.limit).map(toEntry), hasMore: rows.length > page.limit };
  }

  async entry(id: string): Promise<EntryRecord | undefined> {
    const { rows } = await this.read((tx) =>
      execute<EntryRow>(tx, `${ENTRY_SELECT} WHERE e.id = $1`, [id]),
    );
    return rows[0] === undefined ? undefined : toEntry(rows[0]);
  }

  /**
   * The export's horizon: the current snapshot. Every transaction it sees as ended is final
   * (committed or gone), so "entries of those transactions" is a set no later commit can add to —
   * unlike "seq up to N", since seq is taken at insert and a lower seq can commit after a higher
   * one. Not "xid below the oldest running transaction": that xmin is the whole cluster's, and one
   * long transaction anywhere (a report, a dump, another database's work) would leave out entries
   * committed long before the export.
   */
  async exportHorizon(tx: EntityManager): Promise<ExportHorizon> {
    const { rows } = await execute<{ snapshot: string }>(
      tx,
      'SELECT pg_current_snapshot()::text AS snapshot',
    );
    const snapshot = rows[0]?.snapshot;
    if (snapshot === undefined) throw new Error('no snapshot horizon');
    // Every transaction the snapshot sees as ended has its commit record before this WAL
    // position: a replica that has replayed it sees all of them.
    return { snapshot, lsn: await this.replica.primaryLsn(tx) };
  }

  /**
   * Entries effective in `range` written by the transactions the `horizon` sees as ended (see
   * exportHorizon), in seq order,
   * `batchSize` at a time (keyset:
   * `seq > last`), so neither this process nor the database holds more than one batch; no
   * transaction or connection is held between batches, so a slow consumer blocks nothing.
   */
  async *entryBatches(
    range: TimeRange,
    options: { horizon: ExportHorizon; batchSize?: number },
  ): AsyncGenerator<EntryRecord[]> {
    const batchSize = options.batchSize ?? LEDGER_EXPORT_BATCH_SIZE;
    let after = 0n;
    for (;;) {
      const params: unknown[] = [];
      const where = timeWhere(range, params);
      where.push(`e.seq > ${param(params, after.toString())}::bigint`);
      where.push(
        `pg_visible_in_snapshot(e.xid, ${param(params, options.horizon.snapshot)}::pg_snapshot)`,
      );
      const { rows } = await this.read(
        (tx) =>
          execute<EntryRow>(
            tx,
            `${ENTRY_SELECT} ${sqlWhere(where)} ORDER BY e.seq LIMIT ${param(params, batchSize)}`,
            params,
          ),
        { replayedLsn: options.horizon.lsn },
      );
      if (rows.length === 0) return;
      const batch = rows.map(toEntry);
      yield batch;
      if (rows.length < batchSize) return;
      after = batch[batch.length - 1].seq;
    }
  }

  /** A read that tolerates staleness: on the replica while it is fresh enough (`ReplicaReads`). */
  private read<T>(
    work: (tx: EntityManager) => Promise<T>,
    options?: { replayedLsn?: string },
  ): Promise<T> {
    return this.replica.read(work, options);
  }
}
