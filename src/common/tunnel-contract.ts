/**
 * The platform's signed messages to the tunnel: agent join tokens and revocation lists.
 *
 * Both are `<purpose>.<payload>.<signature>`: the payload is base64url canonical JSON, the signature
 * is Ed25519 over the ASCII bytes `<purpose>.<payload>` with the platform's tunnel signing key. The
 * purpose is part of what is signed, so a revocation list can never be replayed as a token or the
 * reverse. The relay and the agents verify offline against the platform's public keys (a list, so a
 * key can be rotated without a gap); nothing here talks to the network.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { UUID } from './uuid.js';

export type AgentRole = 'customer' | 'technician';
export const AGENT_ROLES: readonly AgentRole[] = ['customer', 'technician'];

/** What a join token lets one agent do, for one remote session. */
export interface AgentTokenClaims {
  v: 1;
  /** Unique id; the relay accepts each token once. */
  jti: string;
  /** Remote session id (the API's `remote_sessions.id`). */
  sid: string;
  /** The relay the session is assigned to (`TUNNEL_RELAY_ID`): every other relay refuses the token. */
  rly: string;
  role: AgentRole;
  /** The device id the agent declared when it asked for the token. */
  dev: string;
  /** The one service the session may reach on the customer's side, `host:port` (e.g. `127.0.0.1:5555`). */
  tgt: string;
  /** This agent's ephemeral inner-TLS certificate: SHA-256 of its DER, 64 lowercase hex digits. */
  fp: string;
  /** Issued at, epoch seconds. */
  iat: number;
  /** Join by (epoch seconds): the relay refuses the token after this. */
  exp: number;
  /** Hard stop (epoch seconds): the relay ends the session at this instant whatever else happens. */
  stop: number;
  /** Bandwidth cap, bytes per second, per direction, for the whole session. */
  bw: number;
}

/** Sessions the relay must end now and refuse from now on. */
export interface RevocationList {
  v: 1;
  /** Epoch milliseconds when the platform signed it; a relay ignores a list older than one it holds. */
  issuedAt: number;
  /** `full`: every revoked session still within its hard stop; `delta`: only these. */
  kind: 'full' | 'delta';
  sessions: { sid: string; reason: string }[];
}

const PURPOSE = { token: 'fbt1', revocations: 'fbr1' } as const;
type Purpose = keyof typeof PURPOSE;

export class SignedMessageError extends Error {
  constructor(
    readonly code: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' | 'invalid_claims',
    message: string,
  ) {
    super(message);
  }
}

/** Canonical JSON: keys sorted, no whitespace (the claims are flat apart from the sessions list). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function signMessage(purpose: Purpose, body: object, privateKey: KeyObject): string {
  const signed = `${PURPOSE[purpose]}.${Buffer.from(canonical(body)).toString('base64url')}`;
  return `${signed}.${sign(null, Buffer.from(signed), privateKey).toString('base64url')}`;
}

function openMessage(purpose: Purpose, message: string, publicKeys: readonly KeyObject[]): unknown {
  const parts = typeof message === 'string' ? message.split('.') : [];
  if (parts.length !== 3 || message.length > 4096) {
    throw new SignedMessageError('malformed', 'not a signed tunnel message');
  }
  const [prefix, payload, signature] = parts as [string, string, string];
  if (prefix !== PURPOSE[purpose]) {
    throw new SignedMessageError('wrong_purpose', `expected a ${purpose} message`);
  }
  const signed = Buffer.from(`${prefix}.${payload}`);
  const sig = Buffer.from(signature, 'base64url');
  if (!publicKeys.some((key) => verify(null, signed, key, sig))) {
    throw new SignedMessageError('bad_signature', 'signature does not verify');
  }
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new SignedMessageError('malformed', 'payload is not JSON');
  }
}

const FINGERPRINT = /^[0-9a-f]{64}$/;
const TARGET = /^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$/;
/** A relay's id: `TUNNEL_RELAY_ID`, and the ids of `TUNNEL_RELAYS`. */
export const RELAY_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

function isClaims(c: unknown): c is AgentTokenClaims {
  if (c === null || typeof c !== 'object') return false;
  const o = c as Record<string, unknown>;
  const int = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
  return (
    o.v === 1 &&
    typeof o.jti === 'string' &&
    o.jti.length > 0 &&
    o.jti.length <= 64 &&
    typeof o.sid === 'string' &&
    UUID.test(o.sid) &&
    typeof o.rly === 'string' &&
    RELAY_ID.test(o.rly) &&
    AGENT_ROLES.includes(o.role as AgentRole) &&
    typeof o.dev === 'string' &&
    o.dev.length > 0 &&
    o.dev.length <= 128 &&
    typeof o.tgt === 'string' &&
    TARGET.test(o.tgt) &&
    typeof o.fp === 'string' &&
    FINGERPRINT.test(o.fp) &&
    int(o.iat) &&
    int(o.exp) &&
    int(o.stop) &&
    int(o.bw) &&
    (o.exp as number) >= (o.iat as number) &&
    (o.stop as number) >= (o.iat as number)
  );
}

export function signAgentToken(claims: AgentTokenClaims, privateKey: KeyObject): string {
  if (!isClaims(claims)) throw new SignedMessageError('invalid_claims', 'token claims are invalid');
  return signMessage('token', claims, privateKey);
}

/**
 * Verifies a join token's signature and shape. `nowSeconds` past `exp` is refused (`expired`) unless
 * `ignoreJoinDeadline` (used when checking the peer's token, which may have been joined minutes ago).
 * Single use is the relay's job: it remembers every `jti` it accepted until the token's `stop`.
 */
export function verifyAgentToken(
  token: string,
  publicKeys: readonly KeyObject[],
  nowSeconds: number,
  options: { ignoreJoinDeadline?: boolean } = {},
): AgentTokenClaims {
  const claims = openMessage('token', token, publicKeys);
  if (!isClaims(claims)) throw new SignedMessageError('invalid_claims', 'token claims are invalid');
  if (nowSeconds >= claims.stop) {
    throw new SignedMessageError('expired', 'the session has reached its hard stop');
  }
  if (!options.ignoreJoinDeadline && nowSeconds > claims.exp) {
    throw new SignedMessageError('expired', 'the join deadline has passed');
  }
  return claims;
}

export function signRevocationList(list: RevocationList, privateKey: KeyObject): string {
  return signMessage('revocations', list, privateKey);
}

export function verifyRevocationList(
  message: string,
  publicKeys: readonly KeyObject[],
): RevocationList {
  const list = openMessage('revocations', message, publicKeys) as RevocationList;
  const ok =
    list !== null &&
    typeof list === 'object' &&
    list.v === 1 &&
    Number.isSafeInteger(list.issuedAt) &&
    (list.kind === 'full' || list.kind === 'delta') &&
    Array.isArray(list.sessions) &&
    list.sessions.every(
      (s) => typeof s?.sid === 'string' && UUID.test(s.sid) && typeof s.reason === 'string',
    );
  if (!ok) throw new SignedMessageError('invalid_claims', 'revocation list is invalid');
  return list;
}

/** A certificate's fingerprint as tokens carry it: SHA-256 of the DER, lowercase hex. */
export function certificateFingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}
