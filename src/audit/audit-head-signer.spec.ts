import { generateKeyPairSync } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { AuditHeadSigner } from './audit-head-signer.js';
import { verifyAuditHead } from './domain/audit-head.js';

const signerWith = (signingKeyPem?: string) =>
  new AuditHeadSigner({ audit: { signingKeyPem } } as AppConfig);
const head = { count: 3, hash: 'cd'.repeat(32), at: '2026-11-20T10:00:00.000Z' };

describe('AuditHeadSigner', () => {
  it('is unconfigured without a key or with an empty one, and says which variable to set', () => {
    for (const signer of [signerWith(undefined), signerWith(''), signerWith('  ')]) {
      expect(signer.configured).toBe(false);
      expect(() => signer.sign(head)).toThrow(/AUDIT_SIGNING_KEY is not set/);
      expect(() => signer.assertUsable()).toThrow(/openssl genpkey -algorithm ed25519/);
    }
  });

  it('signs with the configured key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = signerWith(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    expect(signer.configured).toBe(true);
    const signed = signer.sign(head);
    expect(
      verifyAuditHead(signed, publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    ).toBe(true);
  });

  it('refuses a key that is not Ed25519', () => {
    expect(() => signerWith('garbage').assertUsable()).toThrow(
      /AUDIT_SIGNING_KEY: not a private key/,
    );
  });
});
