import { isValidImei, luhnValid } from './imei.js';

describe('IMEI validation', () => {
  it('accepts 15 digits whose last is the Luhn check digit', () => {
    expect(isValidImei('490154203237518')).toBe(true);
    expect(isValidImei('356938035643809')).toBe(true);
  });

  it('refuses a wrong check digit, every single-digit change of a valid one', () => {
    const valid = '490154203237518';
    for (let i = 0; i < valid.length; i++)
      for (let d = 0; d <= 9; d++) {
        if (String(d) === valid[i]) continue;
        const changed = `${valid.slice(0, i)}${d}${valid.slice(i + 1)}`;
        expect(isValidImei(changed)).toBe(false);
      }
  });

  it('refuses other lengths, non-digits and non-strings', () => {
    for (const bad of [
      '49015420323751',
      '4901542032375180',
      '49015420323751a',
      ' 490154203237518',
      '',
      490154203237518,
      null,
    ])
      expect(isValidImei(bad)).toBe(false);
  });

  it('computes Luhn as the standard (79927398713 is the textbook example)', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('0')).toBe(true);
    expect(luhnValid('x')).toBe(false);
  });
});
