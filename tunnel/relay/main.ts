/**
 * `npm run tunnel:relay`: the relay, configured from the environment (see README, "Remote repair
 * tunnel"). SIGTERM/SIGINT: GOAWAY to every agent, tunneled connections drain, then exit.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import {
  ed25519PublicKeyFromRaw,
  parseRawEd25519PublicKeys,
} from '../../src/common/ed25519-keys.js';
import { RELAY_ID } from '../../src/common/tunnel-contract.js';
import { startRelay } from './start.js';

const env = process.env;
const logger = pino({ level: env.LOG_LEVEL ?? 'info', base: { svc: 'tunnel-relay' } });

function fail(message: string): never {
  logger.fatal(message);
  process.exit(1);
}

function pem(name: string): string {
  const file = env[`${name}_FILE`];
  const value = env[name] ?? (file ? readFileSync(file, 'utf8') : undefined);
  return value || fail(`${name} or ${name}_FILE is required (PEM)`);
}

function int(name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback);
  return Number.isSafeInteger(value) && value >= 0 ? value : fail(`${name} must be an integer`);
}

let publicKeys;
try {
  publicKeys = parseRawEd25519PublicKeys(env.TUNNEL_PUBLIC_KEYS).map(ed25519PublicKeyFromRaw);
} catch (error) {
  fail(`TUNNEL_PUBLIC_KEYS: ${(error as Error).message}`);
}
if (publicKeys.length === 0) fail('TUNNEL_PUBLIC_KEYS is required');
const ticketSecret = env.TUNNEL_TICKET_SECRET
  ? Buffer.from(env.TUNNEL_TICKET_SECRET, 'base64')
  : randomBytes(32);
if (ticketSecret.length < 32) fail('TUNNEL_TICKET_SECRET must be at least 32 bytes (base64)');
if (!env.TUNNEL_TICKET_SECRET) {
  logger.warn('TUNNEL_TICKET_SECRET not set: resume tickets work on this process only');
}

const relayId = env.TUNNEL_RELAY_ID ?? 'relay';
if (!RELAY_ID.test(relayId))
  fail('TUNNEL_RELAY_ID must be 1–63 lowercase letters, digits and hyphens (not first)');

const running = await startRelay({
  host: env.TUNNEL_RELAY_HOST,
  port: int('TUNNEL_RELAY_PORT', 7443),
  adminHost: env.TUNNEL_RELAY_ADMIN_HOST,
  adminPort: int('TUNNEL_RELAY_ADMIN_PORT', 9464),
  cert: pem('TUNNEL_RELAY_CERT'),
  key: pem('TUNNEL_RELAY_KEY'),
  publicKeys,
  ticketSecret,
  relayId,
  apiUrl: env.TUNNEL_API_URL?.replace(/\/$/, ''),
  relaySecret: env.TUNNEL_RELAY_SECRET,
  heartbeatMs: int('TUNNEL_HEARTBEAT_MS', 10_000),
  processMetrics: true,
  logger,
});
logger.info({ relayId, port: running.port, adminPort: running.adminPort }, 'relay listening');

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'draining');
  running.drain(int('TUNNEL_GOAWAY_RETRY_MS', 1000), int('TUNNEL_DRAIN_MS', 30_000)).then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
