import { createHmac, createSecretKey } from 'node:crypto';
import { signJwt, verifyJwt } from './jwt.js';

const secret = 's'.repeat(48);
const key = createSecretKey(Buffer.from(secret));
const expected = { issuer: 'fixbazaar', audience: 'fixbazaar-api' };
const now = 1_800_000_000;
const claims = {
  sub: 'u1',
  sid: 's1',
  iss: 'fixbazaar',
  aud: 'fixbazaar-api',
  iat: now,
  exp: now + 900,
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token made by hand, independently of `signJwt` (any header, any secret). */
function handMade(header: unknown, payload: unknown, withSecret = secret): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', withSecret).update(input).digest('base64url')}`;
}

describe('HS256 tokens', () => {
  it('signs a token any HS256 implementation reads, and verifies it back', () => {
    const token = signJwt(key, claims);
    const [header, payload, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toEqual(claims);
    expect(signature).toBe(
      createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url'),
    );
    expect(verifyJwt(key, token, expected, now)).toEqual(claims);
  });

  it('accepts a hand-made token with the header fields in another order and an audience list', () => {
    const token = handMade(
      { typ: 'JWT', alg: 'HS256' },
      { ...claims, aud: ['x', 'fixbazaar-api'] },
    );
    expect(verifyJwt(key, token, expected, now)?.sub).toBe('u1');
  });

  it('refuses another key, another algorithm, alg none, critical extensions and a changed payload', () => {
    expect(
      verifyJwt(key, handMade({ alg: 'HS256' }, claims, 'another secret'), expected, now),
    ).toBe(undefined);
    expect(verifyJwt(key, handMade({ alg: 'HS512' }, claims), expected, now)).toBeUndefined();
    expect(
      verifyJwt(key, handMade({ alg: 'HS256', typ: 'JOSE+JSON' }, claims), expected, now),
    ).toBe(undefined);
    expect(verifyJwt(key, handMade({ alg: 'HS256', crit: ['b64'] }, claims), expected, now)).toBe(
      undefined,
    );
    expect(
      verifyJwt(key, `${b64({ alg: 'none' })}.${b64(claims)}.`, expected, now),
    ).toBeUndefined();
    const [header, , signature] = signJwt(key, claims).split('.');
    const promoted = `${header}.${b64({ ...claims, sub: 'admin' })}.${signature}`;
    expect(verifyJwt(key, promoted, expected, now)).toBeUndefined();
  });

  it('refuses a signature in a non-canonical encoding of the same bytes', () => {
    const token = signJwt(key, claims);
    const last = token.at(-1)!;
    // 32 bytes in 43 base64url characters: the last one carries 2 unused bits.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1]!;
    const tampered = token.slice(0, -1) + twin;
    expect(Buffer.from(tampered.split('.')[2]!, 'base64url')).toEqual(
      Buffer.from(token.split('.')[2]!, 'base64url'),
    );
    expect(verifyJwt(key, tampered, expected, now)).toBeUndefined();
    expect(verifyJwt(key, `${token}=`, expected, now)).toBeUndefined();
  });

  it('checks issuer, audience, expiry and not-before', () => {
    const at = (over: Record<string, unknown>) =>
      verifyJwt(key, signJwt(key, { ...claims, ...over }), expected, now);
    expect(at({ iss: 'someone-else' })).toBeUndefined();
    expect(at({ aud: 'fixbazaar-mfa' })).toBeUndefined();
    expect(at({ exp: now })).toBeUndefined();
    expect(at({ exp: now + 1 })).toBeDefined();
    expect(at({ exp: String(now + 900) })).toBeUndefined();
    expect(at({ nbf: now + 1 })).toBeUndefined();
    expect(at({ nbf: now })).toBeDefined();
  });

  it('refuses malformed input without throwing', () => {
    for (const bad of [
      '',
      'a.b',
      'a.b.c.d',
      '...',
      `${b64([1])}.${b64(claims)}.x`,
      'e30.bm90IGpzb24.x',
    ])
      expect(verifyJwt(key, bad, expected, now)).toBeUndefined();
    const notJson = `${b64({ alg: 'HS256' })}.${Buffer.from('not json').toString('base64url')}`;
    const signed = `${notJson}.${createHmac('sha256', secret).update(notJson).digest('base64url')}`;
    expect(verifyJwt(key, signed, expected, now)).toBeUndefined();
  });
});
