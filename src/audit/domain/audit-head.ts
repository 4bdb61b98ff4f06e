import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { parseEd25519PrivateKey } from '../../common/ed25519-keys.js';
import { auditCanonicalJson } from '../../common/canonical-json.js';

/** Where the chain stood at a moment: `count` events (seq 1..count), the last one's `hash`. */
export interface AuditHead {
  count: number;
  hash: string;
  /** When the head was read (ISO-8601 UTC). */
  at: string;
}

export interface SignedAuditHead extends AuditHead {
  algorithm: 'Ed25519';
  /** The exact bytes signed (UTF-8), see `auditHeadMessage`. */
  message: string;
  /** Ed25519 signature over `message`, base64. */
  signature: string;
  /** The signing key's public half, SPKI PEM, so the head can be checked off the box. */
  publicKey: string;
}

/** Names the format, so a head signature cannot be replayed as a signature over anything else. */
export const AUDIT_HEAD_TYPE = 'fixbazaar.audit-head.v1';

/**
 * The signed message: canonical JSON (keys sorted, no whitespace) of `{at, count, hash, type}`, which
 * `jq -cjS '{at, count, hash, type: "fixbazaar.audit-head.v1"}'` reproduces from the printed head.
 */
export function auditHeadMessage(head: AuditHead): string {
  return auditCanonicalJson({
    type: AUDIT_HEAD_TYPE,
    count: head.count,
    hash: head.hash,
    at: head.at,
  });
}

export class AuditSigningKeyError extends Error {}

/** Parses an Ed25519 private key (PEM); anything else is refused with a message naming the variable. */
export function parseSigningKey(pem: string): KeyObject {
  try {
    return parseEd25519PrivateKey(pem);
  } catch (err) {
    throw new AuditSigningKeyError(`AUDIT_SIGNING_KEY: ${(err as Error).message}`);
  }
}

export function signAuditHead(head: AuditHead, privateKey: KeyObject): SignedAuditHead {
  const message = auditHeadMessage(head);
  return {
    count: head.count,
    hash: head.hash,
    at: head.at,
    algorithm: 'Ed25519',
    message,
    signature: sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64'),
    publicKey: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Checks a signed head against a public key the verifier trusts (not the one the head carries): the
 * message must be the canonical one for the head's fields and the signature must hold.
 */
export function verifyAuditHead(head: SignedAuditHead, trustedPublicKeyPem: string): boolean {
  if (head.message !== auditHeadMessage(head)) return false;
  return verify(
    null,
    Buffer.from(head.message, 'utf8'),
    createPublicKey(trustedPublicKeyPem),
    Buffer.from(head.signature, 'base64'),
  );
}
