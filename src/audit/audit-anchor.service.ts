import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AnchorExistsError, anchorKey, AnchorStore } from '../anchor/anchor-store.js';
import { AuditHeadSigner } from './audit-head-signer.js';
import { AuditQueryService, type AuditVerification } from './audit-query.service.js';
import { verifyAuditHead, type SignedAuditHead } from './domain/audit-head.js';

/** A signed head read back from the anchor store. */
export interface AuditAnchor {
  /** Its key in the anchor store. */
  key: string;
  head: SignedAuditHead;
}

/** A verification, and the anchor it was checked against (null: none yet, or skipped). */
export type AnchoredAuditVerification = AuditVerification & {
  anchor: { key: string; count: number; hash: string; at: string } | null;
};

/** The anchored head no longer fits the database: the chain was rewritten or cut. */
export class AuditAnchorMismatchError extends Error {}

function isSignedHead(doc: unknown): doc is SignedAuditHead {
  const d = doc as Partial<SignedAuditHead> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    Number.isSafeInteger(d.count) &&
    typeof d.hash === 'string' &&
    typeof d.at === 'string' &&
    typeof d.message === 'string' &&
    typeof d.signature === 'string'
  );
}

/**
 * Anchors the audit chain outside PostgreSQL: signed heads written once to the AnchorStore, and the
 * verification of the chain against the newest of them. A table owner can rewrite the chain and
 * recompute every later hash, but cannot make the rewritten chain hold an anchored head's hash.
 */
@Injectable()
export class AuditAnchorService {
  private readonly logger = new Logger(AuditAnchorService.name);

  constructor(
    private readonly store: AnchorStore,
    private readonly events: AuditQueryService,
    private readonly signer: AuditHeadSigner,
    private readonly dataSource: DataSource,
  ) {}

  /** The newest anchored head, or null when nothing was anchored yet. */
  async latest(): Promise<AuditAnchor | null> {
    const stored = await this.store.latestOf('audit', isSignedHead, 'a signed head');
    return stored && { key: stored.key, head: stored.doc };
  }

  /**
   * Signs the current head and anchors it, unless nothing was written since the newest anchor.
   * Refuses (AuditAnchorMismatchError) when the anchored event no longer has the anchored hash: a
   * rewritten chain is never anchored. Returns the new anchor's key, or null.
   */
  async anchor(): Promise<string | null> {
    const latest = await this.latest();
    if (latest !== null) {
      const [row] = (await this.dataSource.query('SELECT hash FROM audit_events WHERE seq = $1', [
        latest.head.count,
      ])) as { hash: string }[];
      if (latest.head.count > 0 && row?.hash !== latest.head.hash)
        throw new AuditAnchorMismatchError(
          `audit chain no longer holds anchor ${latest.key} (seq ${latest.head.count}): not anchoring; run audit:verify`,
        );
    }
    const head = await this.events.head();
    if (head.count === 0 || (latest !== null && latest.head.count >= head.count)) return null;
    const key = anchorKey('audit', BigInt(head.count));
    try {
      await this.store.write(key, this.signer.sign({ ...head, at: new Date().toISOString() }));
    } catch (err) {
      if (err instanceof AnchorExistsError) return null; // another process anchored this head
      throw err;
    }
    this.logger.log(`audit head ${head.count} anchored as ${key} (${this.store.description})`);
    return key;
  }

  /**
   * Recomputes the chain and, unless `skipAnchor`, checks it against the newest anchor: the anchor's
   * signature must verify with the configured key, and the anchored event must still be there with
   * the anchored hash (else `head_mismatch` — rewritten — or `truncated`, at the anchored seq).
   */
  async verify(options: { skipAnchor?: boolean } = {}): Promise<AnchoredAuditVerification> {
    const latest = options.skipAnchor ? null : await this.latest();
    if (latest === null) return { ...(await this.events.verify()), anchor: null };
    const { key, head } = latest;
    const anchor = { key, count: head.count, hash: head.hash, at: head.at };
    if (!verifyAuditHead(head, this.signer.publicKeyPem)) {
      return {
        intact: false,
        count: 0,
        firstBad: {
          seq: head.count,
          eventId: null,
          problem: 'anchor_signature',
          detail: `anchor ${key} is not signed by AUDIT_SIGNING_KEY (forged, or the key changed)`,
        },
        anchor,
      };
    }
    return { ...(await this.events.verify(head)), anchor };
  }
}
