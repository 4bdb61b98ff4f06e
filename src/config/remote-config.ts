import { createPublicKey, type KeyObject } from 'node:crypto';
import { parseEd25519PrivateKey, parseRawEd25519PublicKeys } from '../common/ed25519-keys.js';
import { RELAY_ID } from '../common/tunnel-contract.js';
import type { Env } from './env.schema.js';

/**
 * Published development secrets of remote repair (src/remote/), used outside production when unset.
 * They are here, so they protect nothing; production refuses to start with them or without its own.
 */
export const DEVELOPMENT_REMOTE = {
  tunnelSigningKey: `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINGEV7UOyXwazu+wlJkOcobbsdTAHFCxne4YR3LADLFl
-----END PRIVATE KEY-----`,
  imeiVaultKeys: 'dev1:K5w5uMh82TEEk1MPvI7+7yOxdIw8ajkDO7NJ2nJDWiU=',
  imeiIndexKey: 'GXQZzKGABszrrYna0gBAPHdLiOKPpKuP7mPa42VT9KM=',
  relaySecret: 'fixbazaar-development-only-tunnel-relay-secret',
} as const;

/** A relay agents can be sent to. */
export interface TunnelRelay {
  /** Its TUNNEL_RELAY_ID. */
  id: string;
  /** Where agents dial, `tls://host:port`. */
  url: string;
  /** SHA-256 of its certificate, when agents should pin it. */
  certFingerprint: string | null;
}

/** The id of the one relay configured by TUNNEL_RELAY_URL (and the relay's default TUNNEL_RELAY_ID). */
export const DEFAULT_RELAY_ID = 'relay';

/**
 * TUNNEL_RELAYS: `id=tls://host:port` entries, comma-separated, each optionally followed by
 * `#<SHA-256 of its certificate>` when agents should pin it.
 */
function relaysOf(csv: string, fail: (name: string, message: string) => never): TunnelRelay[] {
  const relays = csv
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^([^=]+)=(tls:\/\/[^\s#]+)(?:#([0-9a-f]{64}))?$/.exec(entry);
      if (!m || !RELAY_ID.test(m[1]!))
        fail(
          'TUNNEL_RELAYS',
          `${JSON.stringify(entry)} is not "id=tls://host:port" (optionally "#<64 hex digits>"), the id 1–63 lowercase letters, digits and hyphens`,
        );
      return { id: m[1]!, url: m[2]!, certFingerprint: m[3] ?? null };
    });
  if (relays.length === 0) fail('TUNNEL_RELAYS', 'lists no relay');
  if (new Set(relays.map((r) => r.id)).size !== relays.length)
    fail('TUNNEL_RELAYS', 'lists a relay id twice');
  return relays;
}

/** One AES-256 key of the IMEI vault. */
export interface VaultKey {
  id: string;
  key: Buffer;
}

export interface RemoteConfig {
  /** IMEI_VAULT_KEYS: the current key first, then older ones still readable until re-encrypted. */
  imeiVaultKeys: VaultKey[];
  /** IMEI_INDEX_KEY: HMAC-SHA256 key of the equality index (never rotated by re-encryption). */
  imeiIndexKey: Buffer;
  tunnel: {
    /** TUNNEL_SIGNING_KEY: signs join tokens and revocation lists. */
    signingKey: KeyObject;
    /** TUNNEL_PUBLIC_KEYS (base64 raw): what relays and agents trust; the signing key's by default. */
    publicKeys: string[];
    /** TUNNEL_RELAY_SECRET: the relays' bearer for their reports and the full revocation list. */
    relaySecret: string;
    /** TUNNEL_RELAY_ADMIN_URLS: each relay's admin base URL, where revocations are pushed. */
    relayAdminUrls: string[];
    /**
     * The relays sessions are spread over (each session on one, named in its tokens): TUNNEL_RELAYS,
     * or the one relay `relay` at TUNNEL_RELAY_URL (its certificate's SHA-256
     * TUNNEL_RELAY_CERT_FINGERPRINT).
     */
    relays: TunnelRelay[];
  };
  sessions: {
    /** REMOTE_SESSION_MAX_MINUTES: the hard stop after approval (never past the consent's expiry). */
    maxMinutes: number;
    /** REMOTE_SESSION_JOIN_MINUTES: a session not connected this long after its request ends. */
    joinMinutes: number;
    /** REMOTE_SESSION_BANDWIDTH_BPS: bytes per second per direction. */
    bandwidthBps: number;
    /** REMOTE_SESSION_TARGET: the one service on the customer's side (`host:port`, adbd by default). */
    target: string;
  };
  /** REMOTE_CONSENT_HOURS: how long a consent lasts unless revoked. */
  consentHours: number;
}

function vaultKeysOf(csv: string, fail: (name: string, message: string) => never): VaultKey[] {
  const keys = csv
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]+={0,2})$/.exec(item);
      const key = m ? Buffer.from(m[2]!, 'base64') : undefined;
      if (!m || key?.length !== 32)
        return fail('IMEI_VAULT_KEYS', 'each entry must be keyId:base64 of a 32-byte key');
      return { id: m[1]!, key };
    });
  if (keys.length === 0) fail('IMEI_VAULT_KEYS', 'at least one key is needed');
  if (new Set(keys.map((k) => k.id)).size !== keys.length)
    fail('IMEI_VAULT_KEYS', 'a key id appears twice');
  return keys;
}

/** Reads and checks the remote-repair settings (see `RemoteConfig`). */
export function remoteConfigOf(
  e: Env,
  fail: (name: string, message: string) => never,
): RemoteConfig {
  const production = e.NODE_ENV === 'production';
  /** The variable's value; empty is unset (as `.env.example` has it), which production refuses. */
  const required = (name: keyof Env, value: string | undefined): string | undefined => {
    if (production && !value) fail(name, 'required in production');
    return value || undefined;
  };
  const vaultCsv =
    required('IMEI_VAULT_KEYS', e.IMEI_VAULT_KEYS) ?? DEVELOPMENT_REMOTE.imeiVaultKeys;
  const imeiVaultKeys = vaultKeysOf(vaultCsv, fail);
  const indexText = required('IMEI_INDEX_KEY', e.IMEI_INDEX_KEY) ?? DEVELOPMENT_REMOTE.imeiIndexKey;
  const imeiIndexKey = Buffer.from(indexText, 'base64');
  if (imeiIndexKey.length < 32) fail('IMEI_INDEX_KEY', 'must be base64 of at least 32 bytes');
  if (
    production &&
    (imeiVaultKeys.some((k) =>
      DEVELOPMENT_REMOTE.imeiVaultKeys.endsWith(k.key.toString('base64')),
    ) ||
      indexText === DEVELOPMENT_REMOTE.imeiIndexKey)
  )
    fail('IMEI_VAULT_KEYS', 'the published development keys cannot be used in production');
  const pem = (
    required('TUNNEL_SIGNING_KEY', e.TUNNEL_SIGNING_KEY) ?? DEVELOPMENT_REMOTE.tunnelSigningKey
  )
    .replace(/\\n/g, '\n')
    .trim();
  let signingKey: KeyObject | undefined;
  try {
    signingKey = parseEd25519PrivateKey(pem);
  } catch (err) {
    fail('TUNNEL_SIGNING_KEY', (err as Error).message);
  }
  if (production && signingKey!.equals(parseEd25519PrivateKey(DEVELOPMENT_REMOTE.tunnelSigningKey)))
    fail('TUNNEL_SIGNING_KEY', 'the published development key cannot sign in production');
  const own = rawPublicKey(createPublicKey(signingKey!));
  let publicKeys: string[] = [own];
  try {
    const listed = parseRawEd25519PublicKeys(e.TUNNEL_PUBLIC_KEYS).map((k) => k.toString('base64'));
    if (listed.length > 0) publicKeys = listed;
  } catch (err) {
    fail('TUNNEL_PUBLIC_KEYS', (err as Error).message);
  }
  if (!publicKeys.includes(own))
    fail('TUNNEL_PUBLIC_KEYS', 'must include the public key of TUNNEL_SIGNING_KEY');
  const relaySecret =
    required('TUNNEL_RELAY_SECRET', e.TUNNEL_RELAY_SECRET) ?? DEVELOPMENT_REMOTE.relaySecret;
  if (production && relaySecret === DEVELOPMENT_REMOTE.relaySecret)
    fail('TUNNEL_RELAY_SECRET', 'the published development secret cannot be used in production');
  const relayAdminUrls = (e.TUNNEL_RELAY_ADMIN_URLS ?? '')
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const url of relayAdminUrls)
    if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url))
      fail('TUNNEL_RELAY_ADMIN_URLS', `${JSON.stringify(url)} is not an http(s) URL`);
  if (e.TUNNEL_RELAYS && (e.TUNNEL_RELAY_URL || e.TUNNEL_RELAY_CERT_FINGERPRINT))
    fail('TUNNEL_RELAYS', 'set it or TUNNEL_RELAY_URL / TUNNEL_RELAY_CERT_FINGERPRINT, not both');
  const relays = e.TUNNEL_RELAYS
    ? relaysOf(e.TUNNEL_RELAYS, fail)
    : [
        {
          id: DEFAULT_RELAY_ID,
          url: e.TUNNEL_RELAY_URL || 'tls://127.0.0.1:7443',
          certFingerprint: e.TUNNEL_RELAY_CERT_FINGERPRINT || null,
        },
      ];
  return {
    imeiVaultKeys,
    imeiIndexKey,
    tunnel: {
      signingKey: signingKey!,
      publicKeys,
      relaySecret,
      relayAdminUrls,
      relays,
    },
    sessions: {
      maxMinutes: e.REMOTE_SESSION_MAX_MINUTES,
      joinMinutes: e.REMOTE_SESSION_JOIN_MINUTES,
      bandwidthBps: e.REMOTE_SESSION_BANDWIDTH_BPS,
      target: e.REMOTE_SESSION_TARGET,
    },
    consentHours: e.REMOTE_CONSENT_HOURS,
  };
}

/** Base64 of a public key's raw 32 bytes (how TUNNEL_PUBLIC_KEYS lists keys). */
function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url').toString('base64');
}
