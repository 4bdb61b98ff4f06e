/**
 * Tamper evidence and reproducibility of the ledger (see ledger-spec/tamper-evidence.md).
 *
 * - `sealPending()` chains the entries written since the last seal into a new signed seal. A seal covers
 *   every entry whose writing transaction has `xid_from <= xid < xid_to`, where `xid_to` is at most the
 *   xmin of the sealer's snapshot: every transaction below it has finished, so the set is final without
 *   any lock on the write path. One sealer at a time (transaction-scoped advisory lock); safe to call
 *   concurrently and repeatedly; nothing new → no seal.
 * - `verify()` recomputes every entry hash, the seal chain, every seal hash and signature, and checks that
 *   each seal's members are exactly the entries in its range, at their sealed positions — streaming in
 *   batches (constant memory), naming the first bad entry.
 * - `replay()` recomputes every account's four counters from the journal and compares them with the
 *   stored counters (row plus unrolled deltas), and checks Σ debits = Σ credits per entry and overall.
 */
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { GENESIS_SEAL_HASH } from '../domain/entry-hash.js';
import { SealKeyring, type SealSignature, type SignatureCheck } from './seal-keys.js';
import {
  checkAnchor,
  checkEntryContent,
  checkMember,
  checkSealLink,
  GENESIS_CHAIN,
  type ChainState,
  type IntegrityProblem,
  type JoinedMember,
  notSealedProblem,
  ProblemLog,
  SealHasher,
  sealHashProblem,
  sealMembersProblem,
  signatureProblem,
  type StoredEntryRow,
  type StoredLineRow,
  type StoredSeal,
} from './verify.js';

/** A seal lists at most this many entries (more only when one transaction wrote more). */
export const MAX_SEAL_ENTRIES = 10_000;
const BATCH = 1_000;
const MAX_PROBLEMS = 100;

export interface SealResult {
  readonly sealNo: string;
  readonly hash: string;
  readonly entries: number;
  /** True when the seal stopped at MAX_SEAL_ENTRIES: more entries are ready to be sealed. */
  readonly capped: boolean;
}

/** A seal's number and hash saved off the box (printed by `ledger:seal` and `ledger:verify`). */
export interface SealAnchor {
  readonly sealNo: string;
  readonly hash: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** Entries whose content was recomputed (sealed and unsealed). */
  readonly entriesChecked: number;
  readonly sealsChecked: number;
  readonly sealedEntries: number;
  /** Entries written after the last seal's range: hash-checked, not yet protected by a seal. */
  readonly unsealedEntries: number;
  readonly lastSeal: {
    readonly sealNo: string;
    readonly hash: string;
    readonly keyId: string;
    readonly xidTo: string;
  } | null;
  readonly firstProblem: IntegrityProblem | null;
  /** The first 100 problems, in the order found (seal by seal, by position; then unsealed entries). */
  readonly problems: readonly IntegrityProblem[];
  readonly problemsTotal: number;
}

export interface CounterValues {
  readonly debitsPosted: string;
  readonly creditsPosted: string;
  readonly debitsPending: string;
  readonly creditsPending: string;
}

export interface AccountMismatch {
  readonly accountId: string;
  readonly code: string;
  /** The account row plus its balance deltas not yet rolled up. */
  readonly stored: CounterValues;
  /** Recomputed from the journal. */
  readonly journal: CounterValues;
}

export interface UnbalancedEntry {
  readonly entryId: string;
  readonly seq: string;
  readonly debits: string;
  readonly credits: string;
}

export interface ReplayReport {
  readonly ok: boolean;
  readonly accountsChecked: number;
  readonly entriesChecked: number;
  /** Accounts whose counters differ from the journal (first 100, by code). */
  readonly mismatches: readonly AccountMismatch[];
  readonly mismatchesTotal: number;
  /** Entries whose debits and credits differ (first 100, by seq). */
  readonly unbalancedEntries: readonly UnbalancedEntry[];
  readonly unbalancedTotal: number;
  /** Sums over every account; balanced when posted and pending debits equal credits, both ways. */
  readonly totals: {
    readonly journal: CounterValues;
    readonly stored: CounterValues;
    readonly balanced: boolean;
  };
}

interface SealRow {
  seal_no: string;
  xid_from: string;
  xid_to: string;
  entries_count: number;
  prev_hash: string;
  hash: string;
  signature: string;
  key_id: string;
  public_key: string;
}

/** Entry columns for verification (table alias `e`). Times as exact microseconds since the epoch. */
const ENTRY_COLUMNS = `e.id AS e_id, e.seq::text AS e_seq, e.xid::text AS e_xid, e.kind, e.event_type,
  e.reference, e.actor, (extract(epoch FROM e.effective_at) * 1000000)::bigint::text AS effective_us,
  e.metadata, e.pending_id, e.reversal_of, e.timeout_seconds,
  (extract(epoch FROM e.timeout_at) * 1000000)::bigint::text AS timeout_us, e.input_hash, e.result,
  e.hash AS e_hash`;

interface EntryColumns {
  e_id: string | null;
  e_seq: string | null;
  e_xid: string | null;
  kind: string;
  event_type: string;
  reference: string;
  actor: string;
  effective_us: string;
  metadata: Record<string, unknown>;
  pending_id: string | null;
  reversal_of: string | null;
  timeout_seconds: number | null;
  timeout_us: string | null;
  input_hash: string;
  result: Record<string, unknown>;
  e_hash: string | null;
}

interface MemberRow extends EntryColumns {
  position: number;
  entry_id: string;
  entry_seq: string;
  entry_hash: string;
}

function entryOf(r: EntryColumns): StoredEntryRow {
  return {
    id: r.e_id ?? '',
    seq: r.e_seq ?? '',
    kind: r.kind,
    eventType: r.event_type,
    reference: r.reference,
    actor: r.actor,
    effectiveAtUs: r.effective_us,
    metadata: r.metadata,
    pendingId: r.pending_id,
    reversalOf: r.reversal_of,
    timeoutSeconds: r.timeout_seconds,
    timeoutAtUs: r.timeout_us,
    inputHash: r.input_hash,
    result: r.result,
    hash: r.e_hash ?? '',
  };
}

function sealOf(r: SealRow): StoredSeal {
  return {
    sealNo: r.seal_no,
    xidFrom: r.xid_from,
    xidTo: r.xid_to,
    entriesCount: r.entries_count,
    prevHash: r.prev_hash,
    hash: r.hash,
    signature: r.signature,
    keyId: r.key_id,
    publicKey: r.public_key,
  };
}

type CounterColumns<P extends string> = Record<`${P}_${'dp' | 'cp' | 'dpe' | 'cpe'}`, string>;

/** Totals of the replay query; `bad` lists mismatching accounts with both counter sets. */
interface ReplayTotalsRow extends CounterColumns<'s'>, CounterColumns<'j'> {
  accounts: string;
  entries: string;
  bad_total: string;
  bad: (CounterColumns<'s'> & CounterColumns<'j'> & { id: string; code: string })[];
}

function counters<P extends 's' | 'j'>(prefix: P, r: CounterColumns<P>): CounterValues {
  const c = r as Record<string, string>;
  return {
    debitsPosted: c[`${prefix}_dp`],
    creditsPosted: c[`${prefix}_cp`],
    debitsPending: c[`${prefix}_dpe`],
    creditsPending: c[`${prefix}_cpe`],
  };
}

@Injectable()
export class LedgerIntegrityService {
  private readonly keyring: SealKeyring;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keyring = new SealKeyring(
      config.ledger.sealKeyPem,
      config.ledger.trustedSealKeys.map((k) => Buffer.from(k, 'base64')),
    );
  }

  /** The key id new seals are signed with. */
  get sealKeyId(): string {
    return this.keyring.keyId;
  }

  /** Checks a seal signature (e.g. an anchored one) against the trusted seal keys. */
  checkSealSignature(sealHash: string, signature: SealSignature): SignatureCheck {
    return this.keyring.check(sealHash, signature);
  }

  // --------------------------------------------------------------------------------------------
  // Sealing
  // --------------------------------------------------------------------------------------------

  /**
   * Seals the entries written since the last seal (at most MAX_SEAL_ENTRIES, whole transactions) and
   * returns the new seal, or null when there is nothing new to seal. Safe to call concurrently: one
   * sealer at a time, the others wait and then seal what is left.
   */
  async sealPending(maxEntries = MAX_SEAL_ENTRIES): Promise<SealResult | null> {
    return this.transactions.run(async (tx) => {
      // READ COMMITTED: every statement after the lock sees the previous sealer's commit.
      await execute(tx, `SELECT pg_advisory_xact_lock(hashtextextended('ledger:seal', 0))`);
      const { rows: lastRows } = await execute<{ seal_no: string; xid_to: string; hash: string }>(
        tx,
        `SELECT s.seal_no::text AS seal_no, s.xid_to::text AS xid_to, s.hash
         FROM ledger_seals s ORDER BY s.seal_no DESC LIMIT 1`,
      );
      const last = lastRows[0];
      const sealNo = last === undefined ? 1n : BigInt(last.seal_no) + 1n;
      const xidFrom = last?.xid_to ?? '0';
      const prevHash = last?.hash ?? GENESIS_SEAL_HASH;

      // Every transaction with a smaller id has committed or aborted: entries below it are final.
      // (This transaction has no id of its own yet: it has written nothing.)
      const { rows: snap } = await execute<{ xmin: string }>(
        tx,
        `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`,
      );
      const xmin = snap[0].xmin;
      if (BigInt(xmin) < BigInt(xidFrom)) {
        // Transaction ids restarted below the sealed ranges: a logical restore into a new cluster.
        throw new Error(
          `ledger sealing: transaction ids (${xmin}) are behind the last seal's range end ` +
            `(${xidFrom}); was the database restored from a logical dump? See ` +
            'ledger-spec/tamper-evidence.md, "Backups and restores"',
        );
      }
      if (xmin === xidFrom) return null;

      // Bound the seal: stop before the transaction of the (max+1)-th entry in transaction order. Any
      // bound <= xmin keeps the set final. One transaction larger than the bound is sealed whole.
      const { rows: beyond } = await execute<{ first: string | null; over: string | null }>(
        tx,
        `SELECT
           (SELECT min(e.xid)::text FROM ledger_entries e
            WHERE e.xid >= $1::xid8 AND e.xid < $2::xid8) AS first,
           (SELECT e.xid::text FROM ledger_entries e
            WHERE e.xid >= $1::xid8 AND e.xid < $2::xid8 ORDER BY e.xid, e.seq OFFSET $3 LIMIT 1) AS over`,
        [xidFrom, xmin, maxEntries],
      );
      let xidTo = xmin;
      const over = beyond[0]?.over ?? null;
      if (over !== null) {
        // The (max+1)-th entry belongs to the first transaction of the range: seal that one whole.
        xidTo = over === beyond[0]?.first ? (BigInt(over) + 1n).toString() : over;
      }

      const hasher = new SealHasher({ sealNo, prevHash, xidFrom, xidTo });
      let after = '0';
      for (;;) {
        const { rows } = await execute<{ id: string; seq: string; hash: string }>(
          tx,
          `SELECT e.id, e.seq::text AS seq, e.hash FROM ledger_entries e
           WHERE e.xid >= $1::xid8 AND e.xid < $2::xid8 AND e.seq > $3::bigint
           ORDER BY e.seq LIMIT $4`,
          [xidFrom, xidTo, after, BATCH * 5],
        );
        for (const r of rows) {
          hasher.add({ entryId: r.id, entrySeq: BigInt(r.seq), entryHash: r.hash });
        }
        if (rows.length < BATCH * 5) break;
        after = rows[rows.length - 1].seq;
      }
      const entries = hasher.members;
      if (entries === 0) return null;

      const hash = hasher.digest();
      const signed = this.keyring.sign(hash);
      await execute(
        tx,
        `INSERT INTO ledger_seals
           (seal_no, xid_from, xid_to, entries_count, prev_hash, hash, signature, key_id, public_key)
         VALUES ($1::bigint, $2::xid8, $3::xid8, $4, $5, $6, $7, $8, $9)`,
        [
          sealNo.toString(),
          xidFrom,
          xidTo,
          entries,
          prevHash,
          hash,
          signed.signature,
          signed.keyId,
          signed.publicKey,
        ],
      );
      const { affected } = await execute(
        tx,
        `INSERT INTO ledger_seal_entries (seal_no, position, entry_id, entry_seq, entry_hash)
         SELECT $1::bigint, (row_number() OVER (ORDER BY e.seq) - 1)::integer, e.id, e.seq, e.hash
         FROM ledger_entries e WHERE e.xid >= $2::xid8 AND e.xid < $3::xid8`,
        [sealNo.toString(), xidFrom, xidTo],
      );
      if (affected !== entries) {
        throw new Error(`ledger seal ${sealNo}: ${affected} members written, ${entries} hashed`);
      }
      return { sealNo: sealNo.toString(), hash, entries, capped: xidTo !== xmin };
    });
  }

  /** Seals until nothing is left below the current horizon; returns every seal made. */
  async sealAll(maxSeals = 10_000): Promise<SealResult[]> {
    const out: SealResult[] = [];
    while (out.length < maxSeals) {
      const seal = await this.sealPending();
      if (seal === null) break;
      out.push(seal);
      if (!seal.capped) break;
    }
    return out;
  }

  // --------------------------------------------------------------------------------------------
  // Verification
  // --------------------------------------------------------------------------------------------

  /**
   * Recomputes everything, seal by seal (members in position order), then the entries written after
   * the last seal. Seals made while it runs are left for the next run. With `anchor` (a seal's number
   * and hash saved off the box earlier), also checks that this seal still exists with that hash: the
   * chain alone cannot show its tail cut off (last seals deleted with their entries) or a whole chain
   * rewritten and re-signed with a stolen key.
   */
  async verify(options: { anchor?: SealAnchor } = {}): Promise<VerifyReport> {
    const anchor = options.anchor;
    let anchorSeal: StoredSeal | undefined;
    const log = new ProblemLog(MAX_PROBLEMS);
    const [pin] = await this.read<{ last: string | null }>(
      `SELECT max(seal_no)::text AS last FROM ledger_seals`,
    );
    const lastSealNo = pin?.last ?? '0';
    let chain: ChainState = GENESIS_CHAIN;
    let lastSeal: StoredSeal | undefined;
    let sealsChecked = 0;
    let sealedEntries = 0;
    let entriesChecked = 0;

    let afterSeal = '0';
    for (;;) {
      const seals = (
        await this.read<SealRow>(
          `SELECT s.seal_no::text AS seal_no, s.xid_from::text AS xid_from,
             s.xid_to::text AS xid_to, s.entries_count, s.prev_hash, s.hash, s.signature, s.key_id,
             s.public_key
           FROM ledger_seals s WHERE s.seal_no > $1::bigint AND s.seal_no <= $2::bigint
           ORDER BY s.seal_no LIMIT 100`,
          [afterSeal, lastSealNo],
        )
      ).map(sealOf);
      for (const seal of seals) {
        for (const p of checkSealLink(chain, seal)) log.add(p);
        // A hole between this seal's range and the previous one's (a seal deleted): entries in it are
        // in no seal although sealing has passed them.
        if (BigInt(seal.xidFrom) > BigInt(chain.xidTo)) {
          await this.reportUnsealedInRange(log, chain.xidTo, seal.xidFrom, null);
        }
        const counted = await this.verifySealMembers(log, seal);
        entriesChecked += counted.entriesChecked;
        sealedEntries += counted.members;
        await this.reportUnsealedInRange(log, seal.xidFrom, seal.xidTo, seal.sealNo);
        sealsChecked += 1;
        lastSeal = seal;
        if (anchor !== undefined && seal.sealNo === anchor.sealNo) anchorSeal = seal;
        // Continue from what the seal claims, so one bad link is reported once.
        chain = { sealNo: BigInt(seal.sealNo), hash: seal.hash, xidTo: seal.xidTo };
      }
      if (seals.length < 100) break;
      afterSeal = seals[seals.length - 1].sealNo;
    }

    if (anchor !== undefined) {
      const p = checkAnchor(anchor, anchorSeal);
      if (p !== undefined) log.add(p);
    }

    // Entries after the last seal's range: content only.
    let unsealedEntries = 0;
    let afterSeq = '-9223372036854775808';
    for (;;) {
      const rows = await this.read<EntryColumns>(
        `SELECT ${ENTRY_COLUMNS} FROM ledger_entries e
         WHERE e.xid >= $1::xid8 AND e.seq > $2::bigint ORDER BY e.seq LIMIT $3`,
        [chain.xidTo, afterSeq, BATCH],
      );
      const lines = await this.linesOf(rows.map((r) => r.e_id ?? ''));
      for (const r of rows) {
        const entry = entryOf(r);
        const p = checkEntryContent(entry, lines.get(entry.id) ?? []);
        if (p !== undefined) log.add(p);
        entriesChecked += 1;
        unsealedEntries += 1;
      }
      if (rows.length < BATCH) break;
      afterSeq = rows[rows.length - 1].e_seq ?? afterSeq;
    }

    return {
      ok: log.total === 0,
      entriesChecked,
      sealsChecked,
      sealedEntries,
      unsealedEntries,
      lastSeal:
        lastSeal === undefined
          ? null
          : {
              sealNo: lastSeal.sealNo,
              hash: lastSeal.hash,
              keyId: lastSeal.keyId,
              xidTo: lastSeal.xidTo,
            },
      firstProblem: log.first,
      problems: log.problems,
      problemsTotal: log.total,
    };
  }

  /** Members of one seal in position order, each checked against its entry; then hash and signature. */
  private async verifySealMembers(
    log: ProblemLog,
    seal: StoredSeal,
  ): Promise<{ members: number; entriesChecked: number }> {
    const hasher = new SealHasher({
      sealNo: BigInt(seal.sealNo),
      prevHash: seal.prevHash,
      xidFrom: seal.xidFrom,
      xidTo: seal.xidTo,
    });
    let entriesChecked = 0;
    let nextPosition = 0;
    let positionsBroken = false;
    let after = -1;
    for (;;) {
      const rows = await this.read<MemberRow>(
        `SELECT m.position, m.entry_id, m.entry_seq::text AS entry_seq, m.entry_hash, ${ENTRY_COLUMNS}
         FROM ledger_seal_entries m LEFT JOIN ledger_entries e ON e.id = m.entry_id
         WHERE m.seal_no = $1::bigint AND m.position > $2 ORDER BY m.position LIMIT $3`,
        [seal.sealNo, after, BATCH],
      );
      const lines = await this.linesOf(
        rows.filter((r) => r.e_id !== null).map((r) => r.e_id ?? ''),
      );
      for (const r of rows) {
        if (r.position !== nextPosition && !positionsBroken) {
          positionsBroken = true;
          log.add(sealMembersProblem(seal, `member position ${nextPosition} is missing (deleted)`));
        }
        nextPosition = r.position + 1;
        hasher.add({ entryId: r.entry_id, entrySeq: BigInt(r.entry_seq), entryHash: r.entry_hash });
        const member: JoinedMember = {
          position: r.position,
          entryId: r.entry_id,
          entrySeq: r.entry_seq,
          entryHash: r.entry_hash,
          found:
            r.e_id === null
              ? null
              : { seq: r.e_seq ?? '', hash: r.e_hash ?? '', xid: r.e_xid ?? '' },
        };
        const memberProblem = checkMember(seal, member);
        if (memberProblem !== undefined) log.add(memberProblem);
        if (r.e_id !== null) {
          const entry = entryOf(r);
          const contentProblem = checkEntryContent(entry, lines.get(entry.id) ?? []);
          if (contentProblem !== undefined) log.add(contentProblem);
          entriesChecked += 1;
        }
      }
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].position;
    }
    if (hasher.members !== seal.entriesCount) {
      log.add(
        sealMembersProblem(
          seal,
          `lists ${hasher.members} members, its header says ${seal.entriesCount}`,
        ),
      );
    }
    if (hasher.digest() !== seal.hash) log.add(sealHashProblem(seal));
    const signature = this.keyring.check(seal.hash, seal);
    if (signature !== 'ok') log.add(signatureProblem(seal, signature));
    return { members: hasher.members, entriesChecked };
  }

  /** Entries in [xidFrom, xidTo) that are not members of seal `sealNo` (or of any seal, when null). */
  private async reportUnsealedInRange(
    log: ProblemLog,
    xidFrom: string,
    xidTo: string,
    sealNo: string | null,
  ): Promise<void> {
    const rows = await this.read<{ id: string; seq: string }>(
      `SELECT e.id, e.seq::text AS seq FROM ledger_entries e
       WHERE e.xid >= $1::xid8 AND e.xid < $2::xid8
         AND NOT EXISTS (SELECT 1 FROM ledger_seal_entries m
                         WHERE m.entry_id = e.id AND ($3::bigint IS NULL OR m.seal_no = $3::bigint))
       ORDER BY e.seq LIMIT $4`,
      [xidFrom, xidTo, sealNo, MAX_PROBLEMS],
    );
    for (const r of rows) log.add(notSealedProblem(r, sealNo));
  }

  /** Lines of the given entries, by entry id, in line order, with account codes. */
  private async linesOf(entryIds: readonly string[]): Promise<Map<string, StoredLineRow[]>> {
    const out = new Map<string, StoredLineRow[]>();
    if (entryIds.length === 0) return out;
    const rows = await this.read<{
      entry_id: string;
      line_no: number;
      entry_seq: string;
      code: string;
      side: 'debit' | 'credit';
      amount: string;
    }>(
      `SELECT l.entry_id, l.line_no, l.entry_seq::text AS entry_seq, a.code, l.side,
         l.amount::text AS amount
       FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
       WHERE l.entry_id = ANY($1::text[]) ORDER BY l.entry_id, l.line_no`,
      [entryIds],
    );
    for (const r of rows) {
      let list = out.get(r.entry_id);
      if (list === undefined) out.set(r.entry_id, (list = []));
      list.push({
        lineNo: r.line_no,
        entrySeq: r.entry_seq,
        account: r.code,
        side: r.side,
        amountPaise: BigInt(r.amount),
      });
    }
    return out;
  }

  // --------------------------------------------------------------------------------------------
  // Replay
  // --------------------------------------------------------------------------------------------

  /**
   * Recomputes every account's counters from the journal, in one snapshot, and compares them with the
   * stored ones. Journal semantics: posted and post_pending lines add to posted counters; pending lines
   * add to pending counters; a post_pending releases its hold's lines from pending counters; a
   * void_pending or expire_pending releases its own lines (those of the hold).
   */
  async replay(): Promise<ReplayReport> {
    return this.transactions.run(async (tx) => {
      // One aggregate over the whole journal may take longer than an API statement may.
      await execute(tx, `SET TRANSACTION READ ONLY`);
      await execute(tx, `SET LOCAL statement_timeout = 0`);
      const { rows } = await execute<ReplayTotalsRow>(
        tx,
        `WITH contributions AS (
           SELECT l.account_id, l.side, 'posted' AS phase, l.amount
           FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
           WHERE e.kind IN ('posted', 'post_pending')
           UNION ALL
           SELECT l.account_id, l.side, 'pending', l.amount
           FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
           WHERE e.kind = 'pending'
           UNION ALL
           SELECT l.account_id, l.side, 'pending', -l.amount
           FROM ledger_entries r JOIN ledger_lines l ON l.entry_id = r.pending_id
           WHERE r.kind = 'post_pending'
           UNION ALL
           SELECT l.account_id, l.side, 'pending', -l.amount
           FROM ledger_lines l JOIN ledger_entries r ON r.id = l.entry_id
           WHERE r.kind IN ('void_pending', 'expire_pending')),
         journal AS (
           SELECT account_id,
             sum(amount) FILTER (WHERE phase = 'posted' AND side = 'debit') AS dp,
             sum(amount) FILTER (WHERE phase = 'posted' AND side = 'credit') AS cp,
             sum(amount) FILTER (WHERE phase = 'pending' AND side = 'debit') AS dpe,
             sum(amount) FILTER (WHERE phase = 'pending' AND side = 'credit') AS cpe
           FROM contributions GROUP BY account_id),
         deltas AS (
           SELECT account_id, sum(debits_posted) AS dp, sum(credits_posted) AS cp,
             sum(debits_pending) AS dpe, sum(credits_pending) AS cpe
           FROM ledger_balance_deltas GROUP BY account_id),
         compared AS (
           SELECT a.id, a.code,
             a.debits_posted + coalesce(d.dp, 0) AS s_dp,
             a.credits_posted + coalesce(d.cp, 0) AS s_cp,
             a.debits_pending + coalesce(d.dpe, 0) AS s_dpe,
             a.credits_pending + coalesce(d.cpe, 0) AS s_cpe,
             coalesce(j.dp, 0) AS j_dp, coalesce(j.cp, 0) AS j_cp,
             coalesce(j.dpe, 0) AS j_dpe, coalesce(j.cpe, 0) AS j_cpe
           FROM ledger_accounts a
           LEFT JOIN journal j ON j.account_id = a.id
           LEFT JOIN deltas d ON d.account_id = a.id),
         mismatched AS (
           SELECT * FROM compared
           WHERE (s_dp, s_cp, s_dpe, s_cpe) IS DISTINCT FROM (j_dp, j_cp, j_dpe, j_cpe))
         SELECT
           (SELECT count(*) FROM compared)::text AS accounts,
           (SELECT count(*) FROM ledger_entries)::text AS entries,
           (SELECT coalesce(sum(s_dp), 0) FROM compared)::text AS s_dp,
           (SELECT coalesce(sum(s_cp), 0) FROM compared)::text AS s_cp,
           (SELECT coalesce(sum(s_dpe), 0) FROM compared)::text AS s_dpe,
           (SELECT coalesce(sum(s_cpe), 0) FROM compared)::text AS s_cpe,
           (SELECT coalesce(sum(j_dp), 0) FROM compared)::text AS j_dp,
           (SELECT coalesce(sum(j_cp), 0) FROM compared)::text AS j_cp,
           (SELECT coalesce(sum(j_dpe), 0) FROM compared)::text AS j_dpe,
           (SELECT coalesce(sum(j_cpe), 0) FROM compared)::text AS j_cpe,
           (SELECT count(*) FROM mismatched)::text AS bad_total,
           (SELECT coalesce(json_agg(b ORDER BY b.code COLLATE "C"), '[]'::json) FROM (
              SELECT id::text AS id, code, s_dp::text AS s_dp, s_cp::text AS s_cp,
                s_dpe::text AS s_dpe, s_cpe::text AS s_cpe, j_dp::text AS j_dp, j_cp::text AS j_cp,
                j_dpe::text AS j_dpe, j_cpe::text AS j_cpe
              FROM mismatched ORDER BY code COLLATE "C" LIMIT $1) b) AS bad`,
        [MAX_PROBLEMS],
      );
      const totals = rows[0];
      const { rows: unbalanced } = await execute<{
        id: string;
        seq: string;
        debits: string;
        credits: string;
        total: string;
      }>(
        tx,
        `SELECT e.id, e.seq::text AS seq, coalesce(s.debits, 0)::text AS debits,
           coalesce(s.credits, 0)::text AS credits, count(*) OVER ()::text AS total
         FROM ledger_entries e
         LEFT JOIN (
           SELECT entry_id, sum(amount) FILTER (WHERE side = 'debit') AS debits,
             sum(amount) FILTER (WHERE side = 'credit') AS credits
           FROM ledger_lines GROUP BY entry_id) s ON s.entry_id = e.id
         WHERE coalesce(s.debits, 0) <> coalesce(s.credits, 0)
         ORDER BY e.seq LIMIT $1`,
        [MAX_PROBLEMS],
      );
      const journal = counters('j', totals);
      const stored = counters('s', totals);
      const balanced = [journal, stored].every(
        (c) => c.debitsPosted === c.creditsPosted && c.debitsPending === c.creditsPending,
      );
      const mismatches = totals.bad.map((b): AccountMismatch => ({
        accountId: b.id,
        code: b.code,
        stored: counters('s', b),
        journal: counters('j', b),
      }));
      const mismatchesTotal = Number(totals.bad_total);
      const unbalancedTotal = Number(unbalanced[0]?.total ?? 0);
      return {
        ok: mismatchesTotal === 0 && unbalancedTotal === 0 && balanced,
        accountsChecked: Number(totals.accounts),
        entriesChecked: Number(totals.entries),
        mismatches,
        mismatchesTotal,
        unbalancedEntries: unbalanced.map((u) => ({
          entryId: u.id,
          seq: u.seq,
          debits: u.debits,
          credits: u.credits,
        })),
        unbalancedTotal,
        totals: { journal, stored, balanced },
      };
    }, 'REPEATABLE READ');
  }

  private async read<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.dataSource.query(sql, params)) as T[];
  }
}
