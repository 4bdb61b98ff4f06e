import { auditCanonicalJson, ledgerCanonicalJson } from './canonical-json.js';

describe('canonical JSON encodings', () => {
  const value = { b: [1, null, 'x'], a: { d: true, c: undefined }, e: 'é' };

  it('both sort keys at every level, drop undefined members and write no whitespace', () => {
    const expected = '{"a":{"d":true},"b":[1,null,"x"],"e":"é"}';
    expect(ledgerCanonicalJson(value)).toBe(expected);
    expect(auditCanonicalJson(value)).toBe(expected);
  });

  it('the ledger writes a bigint as a string with an n suffix; the audit log has no bigint form', () => {
    expect(ledgerCanonicalJson({ amount: 5n })).toBe('{"amount":"5n"}');
    expect(ledgerCanonicalJson({ amount: '5' })).toBe('{"amount":"5"}');
    expect(() => auditCanonicalJson({ amount: 5n })).toThrow(TypeError);
  });

  it('writes non-finite numbers and a bare undefined as null', () => {
    expect(ledgerCanonicalJson([Number.NaN, Infinity, undefined])).toBe('[null,null,null]');
    expect(auditCanonicalJson([Number.NaN, Infinity, undefined])).toBe('[null,null,null]');
    expect(ledgerCanonicalJson(undefined)).toBe('null');
    expect(auditCanonicalJson(undefined)).toBe('null');
  });
});
