import { isIP } from 'node:net';

/**
 * Whether an IP says anything about who is behind it: loopback, private, link-local, carrier-grade
 * NAT and unspecified addresses do not (a development machine, an unconfigured proxy, a shared carrier
 * pool), so no rule counts or matches them.
 */
export function identifiesSomeone(ip: string | null): ip is string {
  if (ip === null) return false;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return !(
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  if (isIP(ip) !== 6) return false;
  const lower = ip.toLowerCase();
  return !(lower === '::' || lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower));
}
