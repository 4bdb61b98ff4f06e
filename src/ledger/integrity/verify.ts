/**
 * The pure half of `ledger:verify`: checks of one stored entry, one seal member, one seal header, a
 * seal hash computed while its members stream past, and the bounded problem log. The service reads
 * rows in batches and feeds them here; nothing here touches the database.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Side } from '../domain/account.js';
import { ledgerCanonicalJson } from '../../common/canonical-json.js';
import { entryHash, GENESIS_SEAL_HASH, type SealMember } from '../domain/entry-hash.js';
import type { SignatureCheck } from './seal-keys.js';

export type ProblemKind =
  /** The entry's stored content (row or lines) no longer matches its stored hash: edited. */
  | 'entry_content'
  /** A sealed entry is gone: deleted. */
  | 'entry_missing'
  /** A sealed entry sits at another position (`seq`) than the seal recorded: reordered. */
  | 'entry_reordered'
  /** A sealed entry's stored hash differs from the sealed one: edited, hash recomputed. */
  | 'entry_hash_changed'
  /** A sealed entry's transaction id lies outside its seal's range. */
  | 'entry_moved'
  /** An entry written inside a sealed range is not in that seal: inserted afterwards. */
  | 'entry_not_sealed'
  /** Seal numbers are not 1, 2, 3…: a seal was deleted. */
  | 'seal_missing'
  /** A seal does not follow its predecessor (previous hash or transaction range). */
  | 'seal_chain'
  /** A seal's stored hash is not the hash of its header and members. */
  | 'seal_hash'
  /** A seal's member list is not positions 0..n-1 with `entries_count` members. */
  | 'seal_members'
  /** A seal's signature does not verify under a trusted key. */
  | 'seal_signature'
  /** A seal saved off the box (`--seal N:HASH`) is gone or different: the chain was cut or rewritten. */
  | 'seal_anchor';

export interface IntegrityProblem {
  readonly kind: ProblemKind;
  readonly message: string;
  readonly entryId?: string;
  readonly seq?: string;
  readonly sealNo?: string;
}

/** Problems in the order found, keeping the first `cap`; counts the rest. */
export class ProblemLog {
  readonly problems: IntegrityProblem[] = [];
  total = 0;

  constructor(private readonly cap = 100) {}

  add(problem: IntegrityProblem): void {
    this.total += 1;
    if (this.problems.length < this.cap) this.problems.push(problem);
  }

  get first(): IntegrityProblem | null {
    return this.problems[0] ?? null;
  }

  get truncated(): boolean {
    return this.total > this.problems.length;
  }
}

/** An entry row as read back from the database for verification. */
export interface StoredEntryRow {
  readonly id: string;
  readonly seq: string;
  readonly kind: string;
  readonly eventType: string;
  readonly reference: string;
  readonly actor: string;
  /** Microseconds since the epoch (PostgreSQL's precision), as a decimal string. */
  readonly effectiveAtUs: string;
  readonly metadata: Record<string, unknown>;
  readonly pendingId: string | null;
  readonly reversalOf: string | null;
  readonly timeoutSeconds: number | null;
  readonly timeoutAtUs: string | null;
  readonly inputHash: string;
  readonly result: Record<string, unknown>;
  readonly hash: string;
}

export interface StoredLineRow {
  readonly lineNo: number;
  readonly entrySeq: string;
  readonly account: string;
  readonly side: Side;
  readonly amountPaise: bigint;
}

/** Whole milliseconds from stored microseconds; undefined when there is a sub-millisecond part. */
function wholeMs(us: string): number | undefined {
  const v = BigInt(us);
  return v % 1000n === 0n ? Number(v / 1000n) : undefined;
}

/**
 * Recomputes an entry's hash from its stored row and lines (ordered by line number) and checks what the
 * hash cannot cover but the row must agree with: the lines carry the entry's seq and are numbered
 * 0..n-1, and a hold's `timeout_seconds` matches its `timeout_at`. Returns a problem or undefined.
 */
export function checkEntryContent(
  row: StoredEntryRow,
  lines: readonly StoredLineRow[],
): IntegrityProblem | undefined {
  const bad = (detail: string): IntegrityProblem => ({
    kind: 'entry_content',
    entryId: row.id,
    seq: row.seq,
    message: `entry ${row.id} (seq ${row.seq}): ${detail}`,
  });
  // The writer stores whole milliseconds; a sub-millisecond part is an edit the hash cannot see.
  const effectiveAtMs = wholeMs(row.effectiveAtUs);
  const timeoutAtMs = row.timeoutAtUs === null ? null : wholeMs(row.timeoutAtUs);
  if (effectiveAtMs === undefined || timeoutAtMs === undefined) {
    return bad('content does not match its hash');
  }
  const recomputed = entryHash({
    id: row.id,
    kind: row.kind,
    eventType: row.eventType,
    reference: row.reference,
    actor: row.actor,
    effectiveAtMs,
    metadata: row.metadata,
    pendingId: row.pendingId,
    reversalOf: row.reversalOf,
    timeoutAtMs,
    inputHash: row.inputHash,
    result: row.result,
    lines,
  });
  if (recomputed !== row.hash) return bad('content does not match its hash');
  if (lines.some((l, i) => l.lineNo !== i)) return bad('lines are not numbered 0..n-1');
  if (lines.some((l) => l.entrySeq !== row.seq)) return bad('a line carries another seq');
  if (row.kind === 'pending') {
    const expected =
      row.timeoutSeconds === null || row.timeoutSeconds === 0
        ? null
        : effectiveAtMs + row.timeoutSeconds * 1000;
    if (row.timeoutSeconds === null || expected !== timeoutAtMs) {
      return bad('timeout_seconds does not match timeout_at');
    }
  }
  return undefined;
}

/** A seal as stored. */
export interface StoredSeal {
  readonly sealNo: string;
  readonly xidFrom: string;
  readonly xidTo: string;
  readonly entriesCount: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly signature: string;
  readonly keyId: string;
  readonly publicKey: string;
}

/** What the previous seal left for the next one (genesis before the first). */
export interface ChainState {
  readonly sealNo: bigint;
  readonly hash: string;
  readonly xidTo: string;
}

export const GENESIS_CHAIN: ChainState = { sealNo: 0n, hash: GENESIS_SEAL_HASH, xidTo: '0' };

/** Checks a seal against its predecessor: consecutive number, previous hash, contiguous range. */
export function checkSealLink(prev: ChainState, seal: StoredSeal): IntegrityProblem[] {
  const out: IntegrityProblem[] = [];
  const sealNo = seal.sealNo;
  const expectedNo = prev.sealNo + 1n;
  if (BigInt(sealNo) !== expectedNo) {
    const missing =
      BigInt(sealNo) === expectedNo + 1n
        ? `seal ${expectedNo} is missing`
        : `seals ${expectedNo}..${BigInt(sealNo) - 1n} are missing`;
    out.push({ kind: 'seal_missing', sealNo, message: `${missing} (deleted)` });
  }
  if (seal.prevHash !== prev.hash) {
    out.push({
      kind: 'seal_chain',
      sealNo,
      message:
        prev.sealNo === 0n
          ? `seal ${sealNo}: previous hash is not the genesis hash`
          : `seal ${sealNo}: previous hash does not match seal ${prev.sealNo}`,
    });
  }
  if (seal.xidFrom !== prev.xidTo) {
    out.push({
      kind: 'seal_chain',
      sealNo,
      message: `seal ${sealNo}: range starts at transaction ${seal.xidFrom}, the previous seal ended at ${prev.xidTo}`,
    });
  }
  if (!(BigInt(seal.xidFrom) < BigInt(seal.xidTo))) {
    out.push({
      kind: 'seal_chain',
      sealNo,
      message: `seal ${sealNo}: empty or inverted range ${seal.xidFrom}..${seal.xidTo}`,
    });
  }
  return out;
}

/** A seal member joined with the entry it names (entry columns null when the entry is gone). */
export interface JoinedMember {
  readonly position: number;
  readonly entryId: string;
  readonly entrySeq: string;
  readonly entryHash: string;
  readonly found: { readonly seq: string; readonly hash: string; readonly xid: string } | null;
}

/** Checks one member against its entry and its seal's range; undefined when it is intact. */
export function checkMember(seal: StoredSeal, m: JoinedMember): IntegrityProblem | undefined {
  const where = `sealed in seal ${seal.sealNo} at position ${m.position}`;
  const base = { entryId: m.entryId, sealNo: seal.sealNo };
  if (m.found === null) {
    return {
      ...base,
      kind: 'entry_missing',
      seq: m.entrySeq,
      message: `entry ${m.entryId} (seq ${m.entrySeq}) ${where} is missing (deleted)`,
    };
  }
  const e = m.found;
  if (e.seq !== m.entrySeq) {
    return {
      ...base,
      kind: 'entry_reordered',
      seq: e.seq,
      message: `entry ${m.entryId} ${where} has seq ${e.seq}, sealed as seq ${m.entrySeq} (reordered)`,
    };
  }
  if (e.hash !== m.entryHash) {
    return {
      ...base,
      kind: 'entry_hash_changed',
      seq: e.seq,
      message: `entry ${m.entryId} (seq ${e.seq}) ${where}: stored hash differs from the sealed hash (edited)`,
    };
  }
  const xid = BigInt(e.xid);
  if (xid < BigInt(seal.xidFrom) || xid >= BigInt(seal.xidTo)) {
    return {
      ...base,
      kind: 'entry_moved',
      seq: e.seq,
      message: `entry ${m.entryId} (seq ${e.seq}) ${where}: transaction ${e.xid} is outside the seal's range ${seal.xidFrom}..${seal.xidTo}`,
    };
  }
  return undefined;
}

/** The problem for an entry found in a sealed range but not among that seal's members. */
export function notSealedProblem(
  entry: { id: string; seq: string },
  sealNo: string | null,
): IntegrityProblem {
  return {
    kind: 'entry_not_sealed',
    entryId: entry.id,
    seq: entry.seq,
    ...(sealNo === null ? {} : { sealNo }),
    message:
      sealNo === null
        ? `entry ${entry.id} (seq ${entry.seq}) was written before the last seal's range ended but is in no seal (inserted)`
        : `entry ${entry.id} (seq ${entry.seq}) was written inside seal ${sealNo}'s range but is not in it (inserted)`,
  };
}

export function sealHashProblem(seal: StoredSeal): IntegrityProblem {
  return {
    kind: 'seal_hash',
    sealNo: seal.sealNo,
    message: `seal ${seal.sealNo}: stored hash is not the hash of its range and members (forged or edited)`,
  };
}

export function sealMembersProblem(seal: StoredSeal, detail: string): IntegrityProblem {
  return { kind: 'seal_members', sealNo: seal.sealNo, message: `seal ${seal.sealNo}: ${detail}` };
}

export function signatureProblem(
  seal: StoredSeal,
  check: Exclude<SignatureCheck, 'ok'>,
): IntegrityProblem {
  const detail = {
    untrusted_key: `signed by key ${seal.keyId}, which is not trusted (LEDGER_SEAL_KEY, LEDGER_SEAL_TRUSTED_KEYS)`,
    key_id_mismatch: `key id ${seal.keyId} does not belong to the stored public key`,
    bad_signature: 'signature does not verify (forged or edited)',
  }[check];
  return { kind: 'seal_signature', sealNo: seal.sealNo, message: `seal ${seal.sealNo}: ${detail}` };
}

/**
 * `sealHash()` of entry-hash.ts computed incrementally: members are fed one at a time (in position
 * order), so a seal of any size is hashed in constant memory. Produces the same digest as `sealHash`
 * over the same header and members (the spec checks this).
 */
export class SealHasher {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  constructor(
    private readonly header: {
      readonly sealNo: bigint;
      readonly prevHash: string;
      readonly xidFrom: string;
      readonly xidTo: string;
    },
  ) {
    // ledgerCanonicalJson sorts keys: "members" comes first, then prevHash, sealNo, v, xidFrom, xidTo.
    this.hash.update('{"members":[');
  }

  get members(): number {
    return this.count;
  }

  add(m: SealMember): void {
    if (this.count > 0) this.hash.update(',');
    this.hash.update(ledgerCanonicalJson([m.entryId, m.entrySeq, m.entryHash]));
    this.count += 1;
  }

  digest(): string {
    const rest = ledgerCanonicalJson({
      v: 1,
      sealNo: this.header.sealNo,
      prevHash: this.header.prevHash,
      xidFrom: this.header.xidFrom,
      xidTo: this.header.xidTo,
    });
    this.hash.update(`],${rest.slice(1)}`);
    return this.hash.digest('hex');
  }
}

/** Checks a seal saved off the box against the one stored (undefined: no such seal any more). */
export function checkAnchor(
  anchor: { readonly sealNo: string; readonly hash: string },
  stored: StoredSeal | undefined,
): IntegrityProblem | undefined {
  if (stored === undefined) {
    return {
      kind: 'seal_anchor',
      sealNo: anchor.sealNo,
      message: `seal ${anchor.sealNo}, saved earlier, no longer exists (the chain was cut)`,
    };
  }
  if (stored.hash !== anchor.hash) {
    return {
      kind: 'seal_anchor',
      sealNo: anchor.sealNo,
      message: `seal ${anchor.sealNo} has hash ${stored.hash}, saved earlier as ${anchor.hash} (rewritten)`,
    };
  }
  return undefined;
}
