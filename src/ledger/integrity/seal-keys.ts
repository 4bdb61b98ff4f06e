/**
 * Ed25519 keys of ledger seals. A seal is signed with the key from LEDGER_SEAL_KEY; the signed bytes
 * are the UTF-8 text `fixbazaar.ledger-seal.v1:<seal hash hex>` (the prefix names the format, so a seal
 * signature cannot be passed off as a signature over anything else). A seal stores the signature
 * (base64), the signer's raw 32-byte public key (base64) and its key id: the first 16 hex digits of
 * SHA-256 over that raw key. Verification trusts the configured key's public half plus the retired
 * keys in LEDGER_SEAL_TRUSTED_KEYS, never the key a seal carries by itself.
 *
 * Off the box, with only a seal row and a trusted public key:
 *   printf 'fixbazaar.ledger-seal.v1:%s' "$HASH" > msg
 *   echo "$SIGNATURE" | base64 -d > sig
 *   openssl pkeyutl -verify -pubin -inkey seal.pub.pem -rawin -in msg -sigfile sig
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import {
  ed25519PublicKeyFromRaw,
  parseEd25519PrivateKey,
  parseRawEd25519PublicKeys,
} from '../../common/ed25519-keys.js';

export const SEAL_SIGNATURE_TYPE = 'fixbazaar.ledger-seal.v1';

export class SealKeyError extends Error {}

/** The exact bytes a seal's signature covers. */
export function sealSignatureMessage(sealHash: string): Buffer {
  return Buffer.from(`${SEAL_SIGNATURE_TYPE}:${sealHash}`, 'utf8');
}

/** The raw 32-byte Ed25519 public key of a private or public key object. */
export function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const x = publicKey.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new SealKeyError('not an Ed25519 key');
  return Buffer.from(x, 'base64url');
}

/** First 16 hex digits of SHA-256 over the raw public key. */
export function sealKeyId(rawPublic: Buffer): string {
  return createHash('sha256').update(rawPublic).digest('hex').slice(0, 16);
}

/** Parses an Ed25519 private key in PEM (`\n` escapes allowed); messages name LEDGER_SEAL_KEY. */
export function parseSealPrivateKey(pem: string): KeyObject {
  try {
    return parseEd25519PrivateKey(pem.replace(/\\n/g, '\n').trim());
  } catch (err) {
    throw new SealKeyError(`LEDGER_SEAL_KEY: ${(err as Error).message}`);
  }
}

/**
 * Parses LEDGER_SEAL_TRUSTED_KEYS: comma-separated base64 raw Ed25519 public keys (32 bytes each),
 * the public halves of retired seal keys. Empty → none.
 */
export function parseTrustedSealKeys(csv: string | undefined): Buffer[] {
  try {
    return parseRawEd25519PublicKeys(csv);
  } catch (err) {
    throw new SealKeyError(`LEDGER_SEAL_TRUSTED_KEYS: ${(err as Error).message}`);
  }
}

export interface SealSignature {
  /** Ed25519 signature over `sealSignatureMessage(hash)`, base64. */
  readonly signature: string;
  readonly keyId: string;
  /** The signer's raw public key, base64. */
  readonly publicKey: string;
}

export type SignatureCheck = 'ok' | 'untrusted_key' | 'key_id_mismatch' | 'bad_signature';

/** The signing key and every public key whose seals verify. */
export class SealKeyring {
  private readonly signing: KeyObject;
  private readonly signingPublic: Buffer;
  private readonly trusted = new Map<string, KeyObject>();

  constructor(privateKeyPem: string, retiredPublicKeys: readonly Buffer[] = []) {
    this.signing = parseSealPrivateKey(privateKeyPem);
    this.signingPublic = rawPublicKey(this.signing);
    for (const raw of [this.signingPublic, ...retiredPublicKeys]) {
      this.trusted.set(raw.toString('base64'), ed25519PublicKeyFromRaw(raw));
    }
  }

  /** The key id of the key new seals are signed with. */
  get keyId(): string {
    return sealKeyId(this.signingPublic);
  }

  sign(sealHash: string): SealSignature {
    return {
      signature: sign(null, sealSignatureMessage(sealHash), this.signing).toString('base64'),
      keyId: sealKeyId(this.signingPublic),
      publicKey: this.signingPublic.toString('base64'),
    };
  }

  /** Checks a stored seal's signature: its key must be trusted here, its id must match, it must verify. */
  check(sealHash: string, s: SealSignature): SignatureCheck {
    const key = this.trusted.get(s.publicKey);
    if (key === undefined) return 'untrusted_key';
    if (sealKeyId(Buffer.from(s.publicKey, 'base64')) !== s.keyId) return 'key_id_mismatch';
    const signature = Buffer.from(s.signature, 'base64');
    if (signature.length !== 64) return 'bad_signature';
    return verify(null, sealSignatureMessage(sealHash), key, signature) ? 'ok' : 'bad_signature';
  }
}
