import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { DEVELOPMENT_LEDGER_SEAL_KEY } from '../../config/app-config.js';
import {
  parseSealPrivateKey,
  parseTrustedSealKeys,
  rawPublicKey,
  SealKeyError,
  SealKeyring,
  sealKeyId,
  sealSignatureMessage,
} from './seal-keys.js';

const newKey = () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { pem, raw: rawPublicKey(privateKey) };
};

describe('seal keys', () => {
  const hash = 'ab'.repeat(32);

  it('signs the prefixed hash; the signature verifies off the box with the public key', () => {
    const key = newKey();
    const ring = new SealKeyring(key.pem);
    const s = ring.sign(hash);
    expect(s.publicKey).toBe(key.raw.toString('base64'));
    expect(s.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(s.keyId).toBe(sealKeyId(key.raw));
    expect(sealSignatureMessage(hash).toString()).toBe(`fixbazaar.ledger-seal.v1:${hash}`);
    const publicPem = createPublicKey(key.pem).export({ type: 'spki', format: 'pem' });
    expect(
      verify(null, sealSignatureMessage(hash), publicPem, Buffer.from(s.signature, 'base64')),
    ).toBe(true);
    expect(ring.check(hash, s)).toBe('ok');
  });

  it('refuses another hash, a changed signature, an untrusted key and a wrong key id', () => {
    const ring = new SealKeyring(newKey().pem);
    const s = ring.sign(hash);
    expect(ring.check('cd'.repeat(32), s)).toBe('bad_signature');
    const sig = Buffer.from(s.signature, 'base64');
    sig[0] ^= 1;
    expect(ring.check(hash, { ...s, signature: sig.toString('base64') })).toBe('bad_signature');
    expect(ring.check(hash, { ...s, signature: 'AAAA' })).toBe('bad_signature');
    const stranger = new SealKeyring(newKey().pem).sign(hash);
    expect(ring.check(hash, stranger)).toBe('untrusted_key');
    expect(ring.check(hash, { ...s, keyId: '0'.repeat(16) })).toBe('key_id_mismatch');
  });

  it('keeps trusting a retired key after rotation', () => {
    const old = newKey();
    const signedByOld = new SealKeyring(old.pem).sign(hash);
    expect(new SealKeyring(newKey().pem).check(hash, signedByOld)).toBe('untrusted_key');
    expect(new SealKeyring(newKey().pem, [old.raw]).check(hash, signedByOld)).toBe('ok');
  });

  it('parses keys strictly, naming the variable', () => {
    expect(() => parseSealPrivateKey('nope')).toThrow(SealKeyError);
    expect(() => parseSealPrivateKey('nope')).toThrow(/^LEDGER_SEAL_KEY: /);
    const escaped = newKey().pem.replace(/\n/g, '\\n');
    expect(parseSealPrivateKey(escaped).asymmetricKeyType).toBe('ed25519');
    const raw = newKey().raw;
    expect(parseTrustedSealKeys(`${raw.toString('base64')}, `)).toEqual([raw]);
    expect(parseTrustedSealKeys(undefined)).toEqual([]);
    expect(() => parseTrustedSealKeys('not base64!')).toThrow(/^LEDGER_SEAL_TRUSTED_KEYS: /);
    expect(() => parseTrustedSealKeys(Buffer.alloc(31).toString('base64'))).toThrow(/32 bytes/);
  });

  it('documents the development key id', () => {
    expect(new SealKeyring(DEVELOPMENT_LEDGER_SEAL_KEY).keyId).toBe('d03fb9cb14772018');
  });
});
