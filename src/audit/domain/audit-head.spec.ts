import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { GENESIS_HASH } from './audit-chain.js';
import {
  AuditSigningKeyError,
  auditHeadMessage,
  parseSigningKey,
  signAuditHead,
  verifyAuditHead,
} from './audit-head.js';

describe('audit head signature', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const head = { count: 42, hash: 'ab'.repeat(32), at: '2026-11-20T10:00:00.000Z' };

  it('signs a canonical message that verifies with the public key, off the box', () => {
    const signed = signAuditHead(head, parseSigningKey(privatePem));
    expect(signed).toMatchObject({ ...head, algorithm: 'Ed25519', publicKey: publicPem });
    expect(signed.message).toBe(
      `{"at":"2026-11-20T10:00:00.000Z","count":42,"hash":"${'ab'.repeat(32)}","type":"fixbazaar.audit-head.v1"}`,
    );
    expect(Buffer.from(signed.signature, 'base64')).toHaveLength(64);
    // What an auditor does with only the printed JSON and the public key they trust:
    expect(
      verify(
        null,
        Buffer.from(signed.message),
        createPublicKey(publicPem),
        Buffer.from(signed.signature, 'base64'),
      ),
    ).toBe(true);
    expect(verifyAuditHead(signed, publicPem)).toBe(true);
  });

  it('fails verification when any field, the message or the key differs', () => {
    const signed = signAuditHead(head, parseSigningKey(privatePem));
    const other = generateKeyPairSync('ed25519')
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(verifyAuditHead({ ...signed, count: 43 }, publicPem)).toBe(false);
    expect(verifyAuditHead({ ...signed, hash: GENESIS_HASH }, publicPem)).toBe(false);
    expect(verifyAuditHead({ ...signed, at: '2026-11-21T10:00:00.000Z' }, publicPem)).toBe(false);
    expect(
      verifyAuditHead(
        { ...signed, count: 43, message: auditHeadMessage({ ...head, count: 43 }) },
        publicPem,
      ),
    ).toBe(false);
    expect(verifyAuditHead(signed, other)).toBe(false);
  });

  it('accepts only an Ed25519 private key in PEM', () => {
    expect(() => parseSigningKey('not a key')).toThrow(AuditSigningKeyError);
    expect(() => parseSigningKey('not a key')).toThrow(/AUDIT_SIGNING_KEY/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => parseSigningKey(rsa)).toThrow(/AUDIT_SIGNING_KEY: must be an Ed25519 key/);
  });
});
