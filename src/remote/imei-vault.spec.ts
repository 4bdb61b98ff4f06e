import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/app-config.js';
import { ImeiVault } from './imei-vault.js';

const db = { DATABASE_URL: 'postgresql://app:pw@db.example:5432/fixbazaar' };
const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const vaultWith = (keys: string, index = randomBytes(32).toString('base64')) =>
  new ImeiVault(loadConfig({ ...db, IMEI_VAULT_KEYS: keys, IMEI_INDEX_KEY: index }));

const JOB = '5b0f3a52-7f0e-4c61-9d3e-0f6a1c2b3d4e';
const OTHER_JOB = '9c1e2d3f-4a5b-4c6d-8e7f-1a2b3c4d5e6f';
const IMEI = '490154203237518';

describe('ImeiVault', () => {
  it('seals under the current key with a fresh IV, and opens only for the same job', () => {
    const vault = vaultWith(`${key('k2')},${key('k1')}`);
    const a = vault.seal(JOB, IMEI);
    const b = vault.seal(JOB, IMEI);
    expect(a.keyId).toBe('k2');
    expect(a.iv).not.toEqual(b.iv);
    expect(a.ciphertext).not.toEqual(b.ciphertext);
    expect(a.ciphertext.toString('latin1')).not.toContain(IMEI);
    expect(vault.open(JOB, a)).toBe(IMEI);
    expect(() => vault.open(OTHER_JOB, a)).toThrow();
  });

  it('refuses a tampered row, an unknown key and an invalid IMEI', () => {
    const vault = vaultWith(key('k1'));
    const sealed = vault.seal(JOB, IMEI);
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] = flipped[0]! ^ 1;
    expect(() => vault.open(JOB, { ...sealed, ciphertext: flipped })).toThrow();
    expect(() => vault.open(JOB, { ...sealed, keyId: 'gone' })).toThrow(/not configured/);
    expect(() => vault.seal(JOB, '490154203237519')).toThrow(/not a valid IMEI/);
  });

  it('opens rows of an older key still listed, and indexes by a keyed hash independent of the vault key', () => {
    const index = randomBytes(32).toString('base64');
    const k1 = key('k1');
    const old = vaultWith(k1, index);
    const rotated = vaultWith(`${key('k2')},${k1}`, index);
    expect(rotated.open(JOB, old.seal(JOB, IMEI))).toBe(IMEI);
    expect(rotated.lookupHash(IMEI)).toEqual(old.lookupHash(IMEI));
    expect(rotated.lookupHash(IMEI)).not.toEqual(rotated.lookupHash('356938035643809'));
    expect(vaultWith(k1).lookupHash(IMEI)).not.toEqual(old.lookupHash(IMEI));
  });
});
