import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** A key that is not what a setting asks for; the message says why, the caller names the setting. */
export class KeyFormatError extends Error {}

/** Parses an Ed25519 private key in PEM; anything else is refused. */
export function parseEd25519PrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new KeyFormatError('not a private key in PEM format');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KeyFormatError(`must be an Ed25519 key (got ${key.asymmetricKeyType ?? 'unknown'})`);
  }
  return key;
}

/** Comma-separated base64 raw Ed25519 public keys (32 bytes each); empty → none. */
export function parseRawEd25519PublicKeys(csv: string | undefined): Buffer[] {
  const out: Buffer[] = [];
  for (const item of (csv ?? '').split(',')) {
    const text = item.trim();
    if (text === '') continue;
    const raw = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
    if (raw?.length !== 32) {
      throw new KeyFormatError(
        `${JSON.stringify(text.slice(0, 12))}… is not a base64 raw Ed25519 public key (32 bytes)`,
      );
    }
    out.push(raw);
  }
  return out;
}

/** A public key object from a raw 32-byte Ed25519 public key. */
export function ed25519PublicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}
