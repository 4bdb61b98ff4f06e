/**
 * The hash of a journal entry: SHA-256 over the canonical JSON of everything that makes the entry
 * (identity, kind, who/what/why, effective time, links, idempotency input and result, and its lines
 * in order). The writer stores it with the entry; `ledger:verify` recomputes it from the stored row,
 * so any change to a stored byte shows up as a mismatch. The entry's position (`seq`) is covered by
 * the seal that lists it, not by this hash (it is assigned by the database on insert).
 */
import { createHash } from 'node:crypto';
import type { Side } from './account.js';
import { ledgerCanonicalJson } from '../../common/canonical-json.js';

export interface HashedEntry {
  readonly id: string;
  readonly kind: string;
  readonly eventType: string;
  readonly reference: string;
  readonly actor: string;
  readonly effectiveAtMs: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly pendingId: string | null;
  readonly reversalOf: string | null;
  readonly timeoutAtMs: number | null;
  readonly inputHash: string;
  readonly result: Readonly<Record<string, unknown>>;
  readonly lines: readonly { account: string; side: Side; amountPaise: bigint }[];
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function entryHash(e: HashedEntry): string {
  return sha256Hex(
    ledgerCanonicalJson({
      v: 1,
      id: e.id,
      kind: e.kind,
      eventType: e.eventType,
      reference: e.reference,
      actor: e.actor,
      effectiveAt: new Date(e.effectiveAtMs).toISOString(),
      metadata: e.metadata,
      pendingId: e.pendingId,
      reversalOf: e.reversalOf,
      timeoutAt: e.timeoutAtMs === null ? null : new Date(e.timeoutAtMs).toISOString(),
      inputHash: e.inputHash,
      result: e.result,
      lines: e.lines.map((l) => [l.account, l.side, l.amountPaise]),
    }),
  );
}

/** One member of a seal: the entry, its position in the journal and its hash. */
export interface SealMember {
  readonly entryId: string;
  readonly entrySeq: bigint;
  readonly entryHash: string;
}

/** The hash a seal signs: the previous seal's hash, its range and every member in order. */
export function sealHash(seal: {
  readonly sealNo: bigint;
  readonly prevHash: string;
  readonly xidFrom: string;
  readonly xidTo: string;
  readonly members: readonly SealMember[];
}): string {
  return sha256Hex(
    ledgerCanonicalJson({
      v: 1,
      sealNo: seal.sealNo,
      prevHash: seal.prevHash,
      xidFrom: seal.xidFrom,
      xidTo: seal.xidTo,
      members: seal.members.map((m) => [m.entryId, m.entrySeq, m.entryHash]),
    }),
  );
}

/** The `prev_hash` of the first seal. */
export const GENESIS_SEAL_HASH = '0'.repeat(64);
