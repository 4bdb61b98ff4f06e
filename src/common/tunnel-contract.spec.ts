import { generateKeyPairSync } from 'node:crypto';
import { ed25519PublicKeyFromRaw } from './ed25519-keys.js';
import {
  certificateFingerprint,
  signAgentToken,
  signRevocationList,
  verifyAgentToken,
  verifyRevocationList,
  type AgentTokenClaims,
} from './tunnel-contract.js';

const platform = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const rawPublic = (k: typeof platform) =>
  Buffer.from(k.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
const keys = [ed25519PublicKeyFromRaw(rawPublic(platform))];

const claims: AgentTokenClaims = {
  v: 1,
  jti: 'j-1',
  sid: '0b7d6f1e-4f7a-4c39-9a0e-1f2d3c4b5a69',
  rly: 'relay-0',
  role: 'customer',
  dev: 'laptop-1',
  tgt: '127.0.0.1:5555',
  fp: certificateFingerprint(Buffer.from('certificate der')),
  iat: 1_000,
  exp: 1_300,
  stop: 4_600,
  bw: 1_000_000,
};

describe('tunnel signed messages', () => {
  it('a token verifies with the platform key and returns its claims', () => {
    const token = signAgentToken(claims, platform.privateKey);
    expect(verifyAgentToken(token, keys, 1_100)).toEqual(claims);
  });

  it('is refused when signed by another key, altered, late or past its hard stop', () => {
    const token = signAgentToken(claims, platform.privateKey);
    const forged = signAgentToken(claims, other.privateKey);
    expect(() => verifyAgentToken(forged, keys, 1_100)).toThrow(
      expect.objectContaining({ code: 'bad_signature' }),
    );
    const [p, , s] = token.split('.');
    const altered = Buffer.from(JSON.stringify({ ...claims, role: 'technician' })).toString(
      'base64url',
    );
    expect(() => verifyAgentToken(`${p}.${altered}.${s}`, keys, 1_100)).toThrow(
      expect.objectContaining({ code: 'bad_signature' }),
    );
    expect(() => verifyAgentToken(token, keys, 1_301)).toThrow(
      expect.objectContaining({ code: 'expired' }),
    );
    expect(verifyAgentToken(token, keys, 1_301, { ignoreJoinDeadline: true }).sid).toBe(claims.sid);
    expect(() => verifyAgentToken(token, keys, 4_600, { ignoreJoinDeadline: true })).toThrow(
      expect.objectContaining({ code: 'expired' }),
    );
    expect(() => verifyAgentToken('x.y', keys, 1_100)).toThrow(
      expect.objectContaining({ code: 'malformed' }),
    );
  });

  it('a revocation list cannot pass as a token, nor a token as a list', () => {
    const list = signRevocationList(
      { v: 1, issuedAt: 5, kind: 'delta', sessions: [{ sid: claims.sid, reason: 'consent' }] },
      platform.privateKey,
    );
    expect(verifyRevocationList(list, keys).sessions).toEqual([
      { sid: claims.sid, reason: 'consent' },
    ]);
    expect(() => verifyAgentToken(list, keys, 1_100)).toThrow(
      expect.objectContaining({ code: 'wrong_purpose' }),
    );
    const token = signAgentToken(claims, platform.privateKey);
    expect(() => verifyRevocationList(token, keys)).toThrow(
      expect.objectContaining({ code: 'wrong_purpose' }),
    );
  });

  it('refuses to sign claims that would not verify', () => {
    expect(() => signAgentToken({ ...claims, fp: 'AB:CD' }, platform.privateKey)).toThrow(
      expect.objectContaining({ code: 'invalid_claims' }),
    );
  });
});
