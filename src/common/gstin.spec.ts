import { gstinCheckChar, gstinPan, gstinStateCode, isValidGstin } from './gstin.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Published GSTINs of well-known companies and the GST portal's own example. */
const KNOWN_VALID = [
  '27AAACR5055K1Z7',
  '27AAPFU0939F1ZV',
  '27AAACT2727Q1ZW',
  '24AAACC1206D1ZM',
  '29AAGCB7383J1Z4',
];

describe('GSTIN check character', () => {
  it.each(KNOWN_VALID)('accepts %s', (gstin) => {
    expect(gstinCheckChar(gstin.slice(0, 14))).toBe(gstin.charAt(14));
    expect(isValidGstin(gstin)).toBe(true);
  });

  it('refuses every one-character change of a valid GSTIN that keeps its shape', () => {
    let mutations = 0;
    for (const gstin of KNOWN_VALID) {
      for (let i = 0; i < 15; i++) {
        for (const c of ALPHABET) {
          if (c === gstin.charAt(i)) continue;
          const mutated = gstin.slice(0, i) + c + gstin.slice(i + 1);
          expect(isValidGstin(mutated)).toBe(false);
          mutations++;
        }
      }
    }
    expect(mutations).toBe(KNOWN_VALID.length * 15 * 35);
  });

  it("finds the platform placeholder's check character: Y, not 0", () => {
    expect(gstinCheckChar('29FIXBZ0000A1Z')).toBe('Y');
    expect(isValidGstin('29FIXBZ0000A1ZY')).toBe(true);
    expect(isValidGstin('29FIXBZ0000A1Z0')).toBe(false);
  });

  it('refuses what is not shaped like a GSTIN, whatever its last character', () => {
    for (const bad of [
      '',
      '27aacr5055k1z7',
      '27AAACR5055K1Z',
      '27AAACR5055K1Z77',
      '27AAACR5055K0Z7',
    ])
      expect(isValidGstin(bad)).toBe(false);
  });

  it('reads the state code and the PAN', () => {
    expect(gstinStateCode('27AAACR5055K1Z7')).toBe('27');
    expect(gstinPan('27AAACR5055K1Z7')).toBe('AAACR5055K');
  });
});
