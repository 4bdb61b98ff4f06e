/**
 * Ephemeral self-signed certificates: each agent makes one at start for the inner TLS (its
 * fingerprint goes into its join token), and tests make one for the relay's outer TLS.
 * ECDSA P-256: quick to generate and cheap to handshake.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the metadata polyfill first.
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { certificateFingerprint } from '../../src/common/tunnel-contract.js';

export interface EphemeralCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the DER, lowercase hex (the tokens' `fp`). */
  fingerprint: string;
}

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export async function generateCertificate(
  commonName: string,
  validForMs = 24 * 3600_000,
): Promise<EphemeralCertificate> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validForMs),
    signingAlgorithm: algorithm,
    keys: keys as never,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: commonName }])],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return {
    cert: certificate.toString('pem'),
    key: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    fingerprint: certificateFingerprint(Buffer.from(certificate.rawData)),
  };
}
