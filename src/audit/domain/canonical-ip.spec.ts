import { canonicalIp } from './canonical-ip.js';

describe('canonicalIp', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    ['::FFFF:1.2.3.4', '::ffff:1.2.3.4'],
    ['0:0:0:0:0:0:0:0', '::'],
  ])('%s -> %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it('gives null for what is not an address', () => {
    expect(canonicalIp(undefined)).toBeNull();
    expect(canonicalIp('')).toBeNull();
    expect(canonicalIp('not-an-ip')).toBeNull();
    expect(canonicalIp('1.2.3.4, 5.6.7.8')).toBeNull();
  });
});
