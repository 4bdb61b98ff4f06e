import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import {
  ConfigError,
  DEVELOPMENT_AUDIT_SIGNING_KEY,
  DEVELOPMENT_LEDGER_SEAL_KEY,
  loadConfig,
  SANDBOX_RAZORPAY,
  STANDIN_LIVEKIT,
} from './app-config.js';
import { envSchema } from './env.schema.js';
import { DEVELOPMENT_REMOTE } from './remote-config.js';

const db = { DATABASE_URL: 'postgresql://app:pw@db.example:5432/fixbazaar' };

const ed25519Pem = () =>
  generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * What production needs besides the variables each test is about: an anchor sink and a signing key,
 * LiveKit's credentials and remote repair's keys.
 */
const PRODUCTION_LIVEKIT = { LIVEKIT_API_KEY: 'APIlive123', LIVEKIT_API_SECRET: 's'.repeat(40) };
const PRODUCTION_REMOTE = {
  IMEI_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  IMEI_INDEX_KEY: randomBytes(32).toString('base64'),
  TUNNEL_SIGNING_KEY: ed25519Pem(),
  TUNNEL_RELAY_SECRET: 'r'.repeat(40),
};
const PRODUCTION_ANCHORS = {
  AUDIT_SIGNING_KEY: ed25519Pem(),
  ANCHOR_STORAGE: 'local',
  ANCHOR_LOCAL_DIR: '/var/lib/fixbazaar/anchors',
  ...PRODUCTION_LIVEKIT,
  ...PRODUCTION_REMOTE,
};

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const c = loadConfig(db);
    expect(c.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      bodyLimitBytes: 1048576,
      trustProxy: false,
    });
    expect(c.database).toMatchObject({
      url: db.DATABASE_URL,
      ownerUrl: db.DATABASE_URL,
      source: 'env',
      poolMax: 10,
    });
    expect(c.docsEnabled).toBe(true);
    expect(c.commission.platformGstin).toBe('29FIXBZ0000A1ZY');
  });

  it('takes a separate owner connection for migrations', () => {
    const c = loadConfig({
      ...db,
      DATABASE_OWNER_URL: 'postgresql://owner:pw@db.example/fixbazaar',
    });
    expect(c.database.ownerUrl).toBe('postgresql://owner:pw@db.example/fixbazaar');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_POOL_MAX', '0'],
    ['HTTP_TRUST_PROXY', 'maybe'],
    ['NODE_ENV', 'staging'],
    // The old placeholder: its check character is not GST's (Y is).
    ['PLATFORM_GSTIN', '29FIXBZ0000A1Z0'],
  ])('names %s when it is %j, on one line', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ ...db, [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(`^Invalid configuration: ${name}: .+ \\(got "${value}"\\)$`),
    );
    expect(message).not.toContain('\n');
  });

  it('does not echo a database password in the error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).not.toThrow(/hunter2/);
  });

  it('checks the audit signing key at start and names it', () => {
    expect(() => loadConfig({ ...db, AUDIT_SIGNING_KEY: 'not-a-key' })).toThrow(
      /^Invalid configuration: AUDIT_SIGNING_KEY: /,
    );
    // Empty (as `.env.example` has it) is unset: the development key, outside production.
    expect(loadConfig({ ...db, AUDIT_SIGNING_KEY: '' }).audit.signingKeyPem).toBe(
      DEVELOPMENT_AUDIT_SIGNING_KEY,
    );
  });

  it('checks the ledger seal keys at start: required in production, the development key elsewhere', () => {
    const prod = {
      ...db,
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      RAZORPAY_KEY_ID: 'rzp_live_abc123',
      RAZORPAY_KEY_SECRET: 'live-secret-123',
      RAZORPAY_WEBHOOK_SECRET: 'live-webhook-secret',
      METRICS_TOKEN: 'm'.repeat(32),
      ACCOUNT_SECRETS_KEY: 'k'.repeat(32),
      NOTIFICATIONS_LOCAL_IN_PRODUCTION: 'true',
    };
    expect(() => loadConfig(prod)).toThrow(
      /^Invalid configuration: LEDGER_SEAL_KEY: required in production$/,
    );
    expect(() => loadConfig({ ...prod, LEDGER_SEAL_KEY: DEVELOPMENT_LEDGER_SEAL_KEY })).toThrow(
      /LEDGER_SEAL_KEY: the published development key cannot sign seals in production/,
    );
    const own = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    // One-line form with \n escapes, as in a .env file.
    const escaped = own.trim().replace(/\n/g, '\\n');
    expect(
      loadConfig({ ...prod, ...PRODUCTION_ANCHORS, LEDGER_SEAL_KEY: escaped }).ledger.sealKeyPem,
    ).toBe(own.trim());
    expect(loadConfig(db).ledger.sealKeyPem).toBe(DEVELOPMENT_LEDGER_SEAL_KEY);
    expect(() => loadConfig({ ...db, LEDGER_SEAL_KEY: 'not-a-key' })).toThrow(
      /^Invalid configuration: LEDGER_SEAL_KEY: not a private key in PEM format$/,
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => loadConfig({ ...db, LEDGER_SEAL_KEY: rsa })).toThrow(
      /LEDGER_SEAL_KEY: must be an Ed25519 key \(got rsa\)/,
    );

    const retired = Buffer.alloc(32, 7).toString('base64');
    expect(
      loadConfig({ ...db, LEDGER_SEAL_TRUSTED_KEYS: ` ${retired} ,` }).ledger.trustedSealKeys,
    ).toEqual([retired]);
    expect(loadConfig(db).ledger.trustedSealKeys).toEqual([]);
    expect(() => loadConfig({ ...db, LEDGER_SEAL_TRUSTED_KEYS: 'AAAA' })).toThrow(
      /^Invalid configuration: LEDGER_SEAL_TRUSTED_KEYS: .*32 bytes/,
    );
  });

  it('requires Razorpay credentials in production and uses the sandbox credentials elsewhere', () => {
    const prod = { ...db, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    expect(() => loadConfig(prod)).toThrow(/RAZORPAY_KEY_ID: required in production/);
    expect(() =>
      loadConfig({ ...prod, RAZORPAY_KEY_ID: 'rzp_live_abc', RAZORPAY_KEY_SECRET: 'live-secret' }),
    ).toThrow(/RAZORPAY_WEBHOOK_SECRET: required in production/);
    expect(() => loadConfig({ ...db, RAZORPAY_KEY_ID: 'pk_live_abc' })).toThrow(/RAZORPAY_KEY_ID/);
    expect(loadConfig(db).razorpay).toEqual({
      apiUrl: 'https://api.razorpay.com',
      keyId: SANDBOX_RAZORPAY.keyId,
      keySecret: SANDBOX_RAZORPAY.keySecret,
      webhookSecrets: [SANDBOX_RAZORPAY.webhookSecret],
    });
    expect(
      loadConfig({
        ...db,
        RAZORPAY_WEBHOOK_SECRET: 'new-secret-1',
        RAZORPAY_WEBHOOK_SECRET_PREVIOUS: 'old-secret-1',
      }).razorpay.webhookSecrets,
    ).toEqual(['new-secret-1', 'old-secret-1']);
  });

  it('requires ACCOUNT_SECRETS_KEY in production and refuses the local notification outbox there unless allowed', () => {
    const prod = {
      ...db,
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      RAZORPAY_KEY_ID: 'rzp_live_abc123',
      RAZORPAY_KEY_SECRET: 'live-secret-123',
      RAZORPAY_WEBHOOK_SECRET: 'live-webhook-secret',
      METRICS_TOKEN: 'm'.repeat(32),
      LEDGER_SEAL_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    };
    expect(() => loadConfig(prod)).toThrow(
      /^Invalid configuration: ACCOUNT_SECRETS_KEY: required in production$/,
    );
    const keyed = { ...prod, ACCOUNT_SECRETS_KEY: 'k'.repeat(32) };
    expect(() => loadConfig(keyed)).toThrow(
      /^Invalid configuration: NOTIFICATIONS_DRIVER: local writes messages to a folder/,
    );
    expect(
      loadConfig({ ...keyed, ...PRODUCTION_ANCHORS, NOTIFICATIONS_LOCAL_IN_PRODUCTION: 'true' })
        .notifications,
    ).toMatchObject({ driver: 'local', localAllowedInProduction: true });
    expect(() => loadConfig({ ...db, ACCOUNT_SECRETS_KEY: 'short' })).toThrow(
      /ACCOUNT_SECRETS_KEY: must be at least 32 characters/,
    );
    expect(loadConfig(db).notifications).toEqual({
      driver: 'local',
      outboxDir: join(projectRoot(), '.local', 'outbox'),
      localAllowedInProduction: false,
    });
  });

  it('refuses to start in production without an anchor sink and an audit signing key', () => {
    const prod = {
      ...db,
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      RAZORPAY_KEY_ID: 'rzp_live_abc123',
      RAZORPAY_KEY_SECRET: 'live-secret-123',
      RAZORPAY_WEBHOOK_SECRET: 'live-webhook-secret',
      ACCOUNT_SECRETS_KEY: 'k'.repeat(32),
      NOTIFICATIONS_LOCAL_IN_PRODUCTION: 'true',
      LEDGER_SEAL_KEY: ed25519Pem(),
      METRICS_TOKEN: 'm'.repeat(32),
      ...PRODUCTION_LIVEKIT,
      ...PRODUCTION_REMOTE,
    };
    const key = ed25519Pem();
    expect(() => loadConfig({ ...prod, ANCHOR_STORAGE: 'local' })).toThrow(
      /^Invalid configuration: AUDIT_SIGNING_KEY: required in production/,
    );
    expect(() =>
      loadConfig({
        ...prod,
        ANCHOR_STORAGE: 'local',
        AUDIT_SIGNING_KEY: DEVELOPMENT_AUDIT_SIGNING_KEY,
      }),
    ).toThrow(/AUDIT_SIGNING_KEY: the published development key cannot sign in production/);
    expect(() => loadConfig({ ...prod, AUDIT_SIGNING_KEY: key })).toThrow(
      /^Invalid configuration: ANCHOR_STORAGE: required in production/,
    );
    expect(() => loadConfig({ ...prod, AUDIT_SIGNING_KEY: key, ANCHOR_STORAGE: 's3' })).toThrow(
      /^Invalid configuration: S3_ENDPOINT: required when ANCHOR_STORAGE=s3$/,
    );
    const s3 = {
      S3_ENDPOINT: 'https://s3.ap-south-1.amazonaws.com',
      S3_ACCESS_KEY_ID: 'AKIA0000',
      S3_SECRET_ACCESS_KEY: 'secret',
    };
    expect(() =>
      loadConfig({ ...prod, ...s3, AUDIT_SIGNING_KEY: key, ANCHOR_STORAGE: 's3' }),
    ).toThrow(/^Invalid configuration: ANCHOR_S3_BUCKET: required when ANCHOR_STORAGE=s3$/);
    const c = loadConfig({
      ...prod,
      ...s3,
      AUDIT_SIGNING_KEY: key,
      ANCHOR_STORAGE: 's3',
      ANCHOR_S3_BUCKET: 'fixbazaar-anchors',
      ANCHOR_RETENTION_DAYS: '3650',
    });
    expect(c.anchors).toMatchObject({
      driver: 's3',
      s3: { bucket: 'fixbazaar-anchors', endpoint: s3.S3_ENDPOINT },
      retentionDays: 3650,
    });
    expect(c.storage.driver).toBe('local'); // uploads stay where STORAGE_DRIVER says
    // Elsewhere: a local directory per database, and the development key.
    const dev = loadConfig(db);
    expect(dev.anchors).toEqual({
      driver: 'local',
      localDir: join(projectRoot(), '.local', 'anchors', 'fixbazaar'),
    });
    expect(dev.audit.signingKeyPem).toBe(DEVELOPMENT_AUDIT_SIGNING_KEY);
  });

  it('requires METRICS_TOKEN in production, checks its form, and leaves it optional elsewhere', () => {
    const prod = {
      ...db,
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      RAZORPAY_KEY_ID: 'rzp_live_abc123',
      RAZORPAY_KEY_SECRET: 'live-secret-123',
      RAZORPAY_WEBHOOK_SECRET: 'live-webhook-secret',
      LEDGER_SEAL_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      ACCOUNT_SECRETS_KEY: 'k'.repeat(32),
      NOTIFICATIONS_LOCAL_IN_PRODUCTION: 'true',
    };
    expect(() => loadConfig(prod)).toThrow(
      /^Invalid configuration: METRICS_TOKEN: required in production$/,
    );
    const token = 'a1b2c3d4'.repeat(8);
    expect(loadConfig({ ...prod, ...PRODUCTION_ANCHORS, METRICS_TOKEN: token }).metrics).toEqual({
      token,
    });
    expect(() => loadConfig({ ...db, METRICS_TOKEN: 'too-short' })).toThrow(
      /^Invalid configuration: METRICS_TOKEN: must be at least 32 characters/,
    );
    expect(() => loadConfig({ ...db, METRICS_TOKEN: `${token} with spaces` })).toThrow(
      /METRICS_TOKEN/,
    );
    expect(loadConfig(db).metrics).toEqual({ token: undefined });
  });

  it('requires JWT_SECRET in production and validates RATE_LIMIT_POLICY', () => {
    expect(() => loadConfig({ ...db, NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET: required in production/,
    );
    expect(() =>
      loadConfig({ ...db, RATE_LIMIT_POLICY: '{"customer":{"orders":{"perMinute":0,"burst":1}}}' }),
    ).toThrow(/RATE_LIMIT_POLICY: customer.orders.perMinute/);
    expect(
      loadConfig({ ...db, RATE_LIMIT_POLICY: '{"perIp":{"perMinute":5,"burst":2}}' }).rateLimit
        .policy.perIp,
    ).toEqual({
      perMinute: 5,
      burst: 2,
    });
  });

  it('reads the return window as a duration: minutes, hours or days; a plain number is hours', () => {
    const window = (value?: string) =>
      loadConfig({ ...db, ...(value === undefined ? {} : { ORDER_AUTO_COMPLETE_HOURS: value }) })
        .orders.autoCompleteSeconds;
    expect(window()).toBe(7 * 86_400);
    expect(window('10m')).toBe(600);
    expect(window('36h')).toBe(36 * 3600);
    expect(window('7d')).toBe(7 * 86_400);
    expect(window('168')).toBe(168 * 3600);
    expect(window(' 2H ')).toBe(7200);
    expect(window('1m')).toBe(60);
    expect(window('90d')).toBe(90 * 86_400);
  });

  it.each(['0', '0m', '30s', '1.5h', '-1', '10 minutes', 'h', '', '91d', '2161'])(
    'refuses ORDER_AUTO_COMPLETE_HOURS=%j at start with one line saying what it takes',
    (value) => {
      expect(() => loadConfig({ ...db, ORDER_AUTO_COMPLETE_HOURS: value })).toThrow(
        new ConfigError(
          `Invalid configuration: ORDER_AUTO_COMPLETE_HOURS: must be a duration from 1m to 90d such as 10m, 36h or 7d (a plain number is hours) (got ${JSON.stringify(value)})`,
        ),
      );
    },
  );

  it('reads the uploaded media limits, 40 MP and 10 s by default, within bounds', () => {
    expect(loadConfig(db).media).toEqual({ imageMaxPixels: 40_000_000, decodeTimeoutSeconds: 10 });
    expect(
      loadConfig({ ...db, MEDIA_IMAGE_MAX_PIXELS: '12000000', MEDIA_DECODE_TIMEOUT_SECONDS: '3' })
        .media,
    ).toEqual({ imageMaxPixels: 12_000_000, decodeTimeoutSeconds: 3 });
    expect(() => loadConfig({ ...db, MEDIA_IMAGE_MAX_PIXELS: '0' })).toThrow(
      /MEDIA_IMAGE_MAX_PIXELS/,
    );
    expect(() => loadConfig({ ...db, MEDIA_DECODE_TIMEOUT_SECONDS: '0' })).toThrow(
      /MEDIA_DECODE_TIMEOUT_SECONDS/,
    );
  });

  it('requires LiveKit credentials in production and uses the stand-in’s elsewhere; push and ring time', () => {
    const { LIVEKIT_API_KEY: _key, LIVEKIT_API_SECRET: _secret, ...anchors } = PRODUCTION_ANCHORS;
    const prod = {
      ...db,
      ...anchors,
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      RAZORPAY_KEY_ID: 'rzp_live_abc123',
      RAZORPAY_KEY_SECRET: 'live-secret-123',
      RAZORPAY_WEBHOOK_SECRET: 'live-webhook-secret',
      ACCOUNT_SECRETS_KEY: 'k'.repeat(32),
      NOTIFICATIONS_LOCAL_IN_PRODUCTION: 'true',
      LEDGER_SEAL_KEY: ed25519Pem(),
      METRICS_TOKEN: 'm'.repeat(32),
    };
    expect(() => loadConfig(prod)).toThrow(
      /^Invalid configuration: LIVEKIT_API_KEY: LIVEKIT_API_KEY and LIVEKIT_API_SECRET are required in production$/,
    );
    expect(loadConfig({ ...prod, ...PRODUCTION_LIVEKIT }).calls.livekit).toEqual({
      url: 'http://127.0.0.1:7880',
      apiKey: 'APIlive123',
      apiSecret: 's'.repeat(40),
    });
    const dev = loadConfig(db);
    expect(dev.calls).toEqual({
      livekit: {
        url: 'http://127.0.0.1:7880',
        apiKey: STANDIN_LIVEKIT.apiKey,
        apiSecret: STANDIN_LIVEKIT.apiSecret,
      },
      ringSeconds: 30,
    });
    expect(dev.push).toEqual({ provider: 'local', receiptDelaySeconds: 900 });
    expect(loadConfig({ ...db, CALL_RING_SECONDS: '5' }).calls.ringSeconds).toBe(5);
    expect(() => loadConfig({ ...db, CALL_RING_SECONDS: '0' })).toThrow(/CALL_RING_SECONDS/);
    expect(() => loadConfig({ ...db, LIVEKIT_API_SECRET: 'short' })).toThrow(/LIVEKIT_API_SECRET/);
    expect(
      loadConfig({ ...db, PUSH_PROVIDER: 'expo', EXPO_ACCESS_TOKEN: 'expo-token-123' }).push,
    ).toEqual({ provider: 'expo', expoAccessToken: 'expo-token-123', receiptDelaySeconds: 900 });
    expect(loadConfig({ ...db, PUSH_RECEIPT_DELAY_SECONDS: '60' }).push.receiptDelaySeconds).toBe(
      60,
    );
    expect(() => loadConfig({ ...db, PUSH_RECEIPT_DELAY_SECONDS: '0' })).toThrow(
      /PUSH_RECEIPT_DELAY_SECONDS/,
    );
    expect(() => loadConfig({ ...db, PUSH_PROVIDER: 'fcm' })).toThrow(/PUSH_PROVIDER/);
  });

  it('reads remote repair’s keys: required in production, published development ones elsewhere', () => {
    const dev = loadConfig({ ...db, IMEI_VAULT_KEYS: '', TUNNEL_SIGNING_KEY: '' }).remote;
    expect(dev.imeiVaultKeys.map((k) => k.id)).toEqual(['dev1']);
    expect(dev.tunnel.relaySecret).toBe(DEVELOPMENT_REMOTE.relaySecret);
    expect(dev.tunnel.publicKeys).toHaveLength(1);
    expect(dev.sessions).toEqual({
      maxMinutes: 60,
      joinMinutes: 15,
      bandwidthBps: 2_097_152,
      target: '127.0.0.1:5555',
    });
    const two = loadConfig({
      ...db,
      IMEI_VAULT_KEYS: `new:${randomBytes(32).toString('base64')}, old:${randomBytes(32).toString('base64')}`,
    });
    expect(two.remote.imeiVaultKeys.map((k) => k.id)).toEqual(['new', 'old']);
    for (const bad of [
      'nokey',
      `a:${randomBytes(16).toString('base64')}`,
      `a:${randomBytes(32).toString('base64')},a:${randomBytes(32).toString('base64')}`,
    ])
      expect(() => loadConfig({ ...db, IMEI_VAULT_KEYS: bad })).toThrow(/IMEI_VAULT_KEYS/);
    expect(() =>
      loadConfig({ ...db, TUNNEL_PUBLIC_KEYS: randomBytes(32).toString('base64') }),
    ).toThrow(/TUNNEL_PUBLIC_KEYS: must include the public key of TUNNEL_SIGNING_KEY/);
    expect(() => loadConfig({ ...db, TUNNEL_RELAY_ADMIN_URLS: 'ftp://relay' })).toThrow(
      /TUNNEL_RELAY_ADMIN_URLS/,
    );
    // The relays: one at TUNNEL_RELAY_URL by default, or the list of TUNNEL_RELAYS.
    expect(loadConfig(db).remote.tunnel.relays).toEqual([
      { id: 'relay', url: 'tls://127.0.0.1:7443', certFingerprint: null },
    ]);
    const fp = 'ab'.repeat(32);
    expect(
      loadConfig({
        ...db,
        TUNNEL_RELAYS: `relay-0=tls://relay-0.example:7443#${fp}, relay-1=tls://relay-1.example:7443`,
      }).remote.tunnel.relays,
    ).toEqual([
      { id: 'relay-0', url: 'tls://relay-0.example:7443', certFingerprint: fp },
      { id: 'relay-1', url: 'tls://relay-1.example:7443', certFingerprint: null },
    ]);
    for (const bad of [
      'relay-0=https://relay.example',
      'Relay=tls://relay.example:7443',
      'relay-0=tls://a:1,relay-0=tls://b:1',
      'relay-0=tls://a:1#abc',
      ' , ',
    ])
      expect(() => loadConfig({ ...db, TUNNEL_RELAYS: bad })).toThrow(/TUNNEL_RELAYS/);
    expect(() =>
      loadConfig({ ...db, TUNNEL_RELAYS: 'r=tls://a:1', TUNNEL_RELAY_URL: 'tls://b:1' }),
    ).toThrow(/TUNNEL_RELAYS: set it or TUNNEL_RELAY_URL/);
    const prod = {
      ...db,
      ...PRODUCTION_ANCHORS,
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      RAZORPAY_KEY_ID: 'rzp_live_abc123',
      RAZORPAY_KEY_SECRET: 'live-secret-123',
      RAZORPAY_WEBHOOK_SECRET: 'live-webhook-secret',
      ACCOUNT_SECRETS_KEY: 'k'.repeat(32),
      NOTIFICATIONS_LOCAL_IN_PRODUCTION: 'true',
      LEDGER_SEAL_KEY: ed25519Pem(),
      METRICS_TOKEN: 'm'.repeat(32),
    };
    expect(loadConfig(prod).remote.imeiVaultKeys.map((k) => k.id)).toEqual(['k1']);
    for (const name of Object.keys(PRODUCTION_REMOTE))
      expect(() => loadConfig({ ...prod, [name]: '' })).toThrow(
        new RegExp(`${name}: required in production`),
      );
    expect(() =>
      loadConfig({ ...prod, TUNNEL_SIGNING_KEY: DEVELOPMENT_REMOTE.tunnelSigningKey }),
    ).toThrow(/TUNNEL_SIGNING_KEY: the published development key/);
    expect(() =>
      loadConfig({ ...prod, IMEI_VAULT_KEYS: DEVELOPMENT_REMOTE.imeiVaultKeys }),
    ).toThrow(/the published development keys/);
    expect(() =>
      loadConfig({ ...prod, TUNNEL_RELAY_SECRET: DEVELOPMENT_REMOTE.relaySecret }),
    ).toThrow(/TUNNEL_RELAY_SECRET: the published development secret/);
  });

  it('reads the job heartbeat, the supervisor pass and the webhook lease, within bounds', () => {
    const c = loadConfig(db);
    expect(c.jobs).toMatchObject({ heartbeatSeconds: 30, superviseSeconds: 60 });
    expect(c.webhookInbox.confirmLeaseSeconds).toBe(60);
    const set = loadConfig({
      ...db,
      JOBS_HEARTBEAT_SECONDS: '10',
      JOBS_SUPERVISE_SECONDS: '2',
      WEBHOOK_CONFIRM_LEASE_SECONDS: '8',
    });
    expect(set.jobs).toMatchObject({ heartbeatSeconds: 10, superviseSeconds: 2 });
    expect(set.webhookInbox.confirmLeaseSeconds).toBe(8);
    // pg-boss refuses a heartbeat under 10 s.
    expect(() => loadConfig({ ...db, JOBS_HEARTBEAT_SECONDS: '5' })).toThrow(
      /JOBS_HEARTBEAT_SECONDS/,
    );
    expect(() => loadConfig({ ...db, JOBS_SUPERVISE_SECONDS: '0' })).toThrow(
      /JOBS_SUPERVISE_SECONDS/,
    );
    expect(() => loadConfig({ ...db, WEBHOOK_CONFIRM_LEASE_SECONDS: '1' })).toThrow(
      /WEBHOOK_CONFIRM_LEASE_SECONDS/,
    );
  });

  it('reads booleans strictly', () => {
    expect(loadConfig({ ...db, DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
    expect(loadConfig({ ...db, DOCS_ENABLED: '1' }).docsEnabled).toBe(true);
  });
});

describe('.env.example', () => {
  it('documents exactly the variables the schema reads', () => {
    const text = readFileSync(join(projectRoot(), '.env.example'), 'utf8');
    const documented = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(envSchema.shape).sort());
  });
});
