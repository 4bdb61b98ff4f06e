import { createHash } from 'node:crypto';
import { auditCanonicalJson } from '../../common/canonical-json.js';

/** The hash of the (virtual) event before the first one. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit event that its hash covers: everything but the hash itself. */
export interface AuditEventRecord {
  seq: number;
  id: string;
  occurredAt: string; // ISO-8601 UTC with milliseconds
  actorId: string | null;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
  override: boolean;
  requestId: string | null;
  ip: string | null;
  deviceFingerprint: string | null;
  prevHash: string;
}

/** SHA-256 (hex) over the canonical encoding of the event, which includes the previous event's hash. */
export function hashAuditEvent(event: AuditEventRecord): string {
  return createHash('sha256').update(auditCanonicalJson(event)).digest('hex');
}

export type ChainBreak =
  | { seq: number; problem: 'hash_mismatch' }
  | { seq: number; problem: 'prev_hash_mismatch' }
  | { seq: number; problem: 'seq_gap'; expectedSeq: number };

/**
 * Walks events in seq order and names the first that does not fit: its content changed (hash), it does
 * not follow its predecessor (prev hash: a row deleted or reordered before it), or seq numbers skip.
 */
export class AuditChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  count = 0;

  /** Returns the first break, or undefined while the chain holds. */
  next(event: AuditEventRecord, storedHash: string): ChainBreak | undefined {
    if (event.seq !== this.expectedSeq)
      return { seq: event.seq, problem: 'seq_gap', expectedSeq: this.expectedSeq };
    if (event.prevHash !== this.prevHash) return { seq: event.seq, problem: 'prev_hash_mismatch' };
    if (hashAuditEvent(event) !== storedHash) return { seq: event.seq, problem: 'hash_mismatch' };
    this.expectedSeq++;
    this.prevHash = storedHash;
    this.count++;
    return undefined;
  }

  get head(): { count: number; hash: string } {
    return { count: this.count, hash: this.prevHash };
  }
}
