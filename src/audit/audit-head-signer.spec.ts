import { generateKeyPairSync } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { AuditHeadSigner } from './audit-head-signer.js';
import { verifyAuditHead } from './domain/audit-head.js';

const signerWith = (signingKeyPem: string) =>
  new AuditHeadSigner({ audit: { signingKeyPem } } as AppConfig);
const head = { count: 3, hash: 'cd'.repeat(32), at: '2026-11-20T10:00:00.000Z' };

describe('AuditHeadSigner', () => {
  it('signs with the configured key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = signerWith(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const signed = signer.sign(head);
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyAuditHead(signed, publicPem)).toBe(true);
    expect(signer.publicKeyPem).toBe(publicPem);
  });

  it('refuses a key that is not Ed25519', () => {
    expect(() => signerWith('garbage').sign(head)).toThrow(/AUDIT_SIGNING_KEY: not a private key/);
  });
});
