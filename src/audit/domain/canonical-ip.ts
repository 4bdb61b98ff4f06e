import { SocketAddress } from 'node:net';

/**
 * The form PostgreSQL's `inet` prints a host address in (lowercase, zeros compressed per RFC 5952), so a
 * hashed event's `ip` reads back byte for byte. An address that is not one (e.g. a forged
 * X-Forwarded-For) gives null rather than failing the insert.
 */
export function canonicalIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  return SocketAddress.parse(ip.includes(':') ? `[${ip}]:0` : `${ip}:0`)?.address ?? null;
}
