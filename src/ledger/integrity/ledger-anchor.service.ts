import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AnchorExistsError, anchorKey, AnchorStore } from '../../anchor/anchor-store.js';
import {
  LedgerIntegrityService,
  type SealAnchor,
  type VerifyReport,
} from './ledger-integrity.service.js';

/** A verification and the anchor it was checked against: its key; null: none yet; absent: not consulted. */
export type AnchoredVerifyReport = VerifyReport & { anchor?: string | null };

/** A seal as anchored outside PostgreSQL: its number, hash and signature (LEDGER_SEAL_KEY). */
export interface LedgerAnchorDoc {
  type: 'fixbazaar.ledger-anchor.v1';
  sealNo: string;
  hash: string;
  signature: string;
  keyId: string;
  publicKey: string;
  /** When it was anchored (ISO-8601 UTC). */
  at: string;
}

export interface LedgerAnchor {
  key: string;
  doc: LedgerAnchorDoc;
}

/** The anchored seal no longer fits the database: the ledger was rewritten. */
export class LedgerAnchorMismatchError extends Error {}

function isAnchorDoc(doc: unknown): doc is LedgerAnchorDoc {
  const d = doc as Partial<LedgerAnchorDoc> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    d.type === 'fixbazaar.ledger-anchor.v1' &&
    typeof d.sealNo === 'string' &&
    /^[1-9]\d*$/.test(d.sealNo) &&
    typeof d.hash === 'string' &&
    typeof d.signature === 'string' &&
    typeof d.keyId === 'string' &&
    typeof d.publicKey === 'string'
  );
}

/**
 * Anchors the ledger's newest seal outside PostgreSQL (after each sealing and on the anchor job's
 * schedule). `ledger:verify` checks the journal against the newest anchor: a rewritten ledger with
 * recomputed (even re-signed) seals no longer holds the anchored seal's hash.
 */
@Injectable()
export class LedgerAnchorService {
  private readonly logger = new Logger(LedgerAnchorService.name);

  constructor(
    private readonly store: AnchorStore,
    private readonly integrity: LedgerIntegrityService,
    private readonly dataSource: DataSource,
  ) {}

  async latest(): Promise<LedgerAnchor | null> {
    return this.store.latestOf('ledger', isAnchorDoc, 'a seal anchor');
  }

  /** The newest anchor as `ledger:verify` checks it, after its own signature (null: none yet). */
  async latestChecked(): Promise<{ key: string; anchor: SealAnchor; signature: string } | null> {
    const latest = await this.latest();
    if (latest === null) return null;
    const { doc } = latest;
    return {
      key: latest.key,
      anchor: { sealNo: doc.sealNo, hash: doc.hash },
      signature: this.integrity.checkSealSignature(doc.hash, doc),
    };
  }

  /**
   * Verifies the whole ledger (`LedgerIntegrityService.verify`) against the newest anchor — or
   * against `anchor` (a seal saved earlier) when given. An anchor whose own seal signature does not
   * verify with a trusted key is a forged anchor: a problem of kind `seal_anchor`.
   */
  async verifyAnchored(given?: SealAnchor): Promise<AnchoredVerifyReport> {
    if (given !== undefined) return this.integrity.verify({ anchor: given });
    const latest = await this.latestChecked();
    const verified = await this.integrity.verify({ anchor: latest?.anchor });
    if (latest === null) return { ...verified, anchor: null };
    if (latest.signature === 'ok') return { ...verified, anchor: latest.key };
    const problem = {
      kind: 'seal_anchor' as const,
      sealNo: latest.anchor.sealNo,
      message: `anchor ${latest.key}: seal ${latest.anchor.sealNo}'s signature does not verify (${latest.signature})`,
    };
    return {
      ...verified,
      ok: false,
      anchor: latest.key,
      firstProblem: verified.firstProblem ?? problem,
      problems: [...verified.problems, problem],
      problemsTotal: verified.problemsTotal + 1,
    };
  }

  /**
   * Anchors the newest seal unless it is anchored already. Refuses (LedgerAnchorMismatchError) when
   * the anchored seal's row no longer has the anchored hash. Returns the new anchor's key, or null.
   */
  async anchor(): Promise<string | null> {
    const latest = await this.latest();
    const [seal] = (await this.dataSource.query(
      `SELECT seal_no::text AS seal_no, hash, signature, key_id, public_key
       FROM ledger_seals ORDER BY seal_no DESC LIMIT 1`,
    )) as {
      seal_no: string;
      hash: string;
      signature: string;
      key_id: string;
      public_key: string;
    }[];
    if (latest !== null) {
      const [row] = (await this.dataSource.query(
        'SELECT hash FROM ledger_seals WHERE seal_no = $1::bigint',
        [latest.doc.sealNo],
      )) as { hash: string }[];
      if (row?.hash !== latest.doc.hash)
        throw new LedgerAnchorMismatchError(
          `ledger no longer holds anchor ${latest.key} (seal ${latest.doc.sealNo}): not anchoring; run ledger:verify`,
        );
    }
    if (
      seal === undefined ||
      (latest !== null && BigInt(latest.doc.sealNo) >= BigInt(seal.seal_no))
    )
      return null;
    const key = anchorKey('ledger', BigInt(seal.seal_no));
    const doc: LedgerAnchorDoc = {
      type: 'fixbazaar.ledger-anchor.v1',
      sealNo: seal.seal_no,
      hash: seal.hash,
      signature: seal.signature,
      keyId: seal.key_id,
      publicKey: seal.public_key,
      at: new Date().toISOString(),
    };
    try {
      await this.store.write(key, doc);
    } catch (err) {
      if (err instanceof AnchorExistsError) return null;
      throw err;
    }
    this.logger.log(`ledger seal ${seal.seal_no} anchored as ${key} (${this.store.description})`);
    return key;
  }
}
