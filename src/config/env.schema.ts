import { z } from 'zod';
import { isValidGstin } from '../common/gstin.js';
import { formatDuration, parseDuration } from './duration.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A duration (see parseDuration: `10m`, `36h`, `7d`, a plain number is hours) → seconds, within [min, max]. */
const duration = (minSeconds: number, maxSeconds: number) =>
  z.string().transform((text, ctx) => {
    const seconds = parseDuration(text);
    if (seconds === null || seconds < minSeconds || seconds > maxSeconds) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration from ${formatDuration(minSeconds)} to ${formatDuration(maxSeconds)} such as 10m, 36h or 7d (a plain number is hours)`,
      });
      return z.NEVER;
    }
    return seconds;
  });

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// or postgresql:// URL');

/**
 * Every environment variable FixBazaar reads, with its default. `.env.example` documents the same list;
 * a unit test keeps the two in step.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_OWNER_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_POOL_WAIT_MS: z.coerce.number().int().min(100).default(10000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15000),
  DATABASE_REPLICA_URL: postgresUrl.optional(),
  DATABASE_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).default(5000),
  DATABASE_GROUP_COMMIT_MAX: z.coerce.number().int().min(1).max(32).default(16),
  DATABASE_GROUP_COMMIT_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1048576),
  HTTP_TRUST_PROXY: bool.default(false),
  DOCS_ENABLED: bool.default(true),
  METRICS_TOKEN: z
    .string()
    .regex(
      /^[A-Za-z0-9._~+/=-]{32,}$/,
      'must be at least 32 characters of A-Z a-z 0-9 . _ ~ + / = - (e.g. openssl rand -hex 32)',
    )
    .optional(),

  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  AUTH_PRINCIPAL_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(8192).default(19456),
  ARGON2_TIME_COST: z.coerce.number().int().min(1).max(10).default(2),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(8).default(1),
  LOGIN_SLOWDOWN_AFTER_FAILURES: z.coerce.number().int().min(1).default(3),
  LOGIN_LOCKOUT_AFTER_FAILURES: z.coerce.number().int().min(2).default(10),
  LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).default(900),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  LOGIN_IP_MULTIPLIER: z.coerce.number().int().min(1).max(100).default(5),
  ACCOUNT_SECRETS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),

  NOTIFICATIONS_DRIVER: z.enum(['local']).default('local'),
  NOTIFICATIONS_OUTBOX_DIR: z.string().optional(),
  NOTIFICATIONS_LOCAL_IN_PRODUCTION: bool.default(false),

  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL')
    .optional(),
  RATE_LIMIT_POLICY: z.string().optional(),
  ABUSE_PENALTY_THRESHOLD: z.coerce.number().int().min(1).default(30),
  ABUSE_BLOCK_SECONDS: z.coerce.number().int().min(1).default(900),
  ABUSE_DECAY_SECONDS: z.coerce.number().int().min(1).default(600),

  AUDIT_SIGNING_KEY: z.string().optional(),

  ANCHOR_STORAGE: z.enum(['local', 's3']).optional(),
  ANCHOR_LOCAL_DIR: z.string().optional(),
  ANCHOR_S3_BUCKET: z.string().optional(),
  ANCHOR_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(2557),

  LEDGER_SEAL_KEY: z.string().optional(),
  LEDGER_SEAL_TRUSTED_KEYS: z.string().optional(),

  JOBS_WORKERS: bool.default(true),
  JOBS_POOL_MAX: z.coerce.number().int().min(1).max(50).default(4),
  JOBS_HEARTBEAT_SECONDS: z.coerce.number().int().min(10).max(3600).default(30),
  JOBS_SUPERVISE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),

  CATALOG_REVIEW_FIRST_LISTINGS: z.coerce.number().int().min(0).max(1000).default(3),
  PRICE_JUMP_MAX_PERCENT: z.coerce.number().int().min(0).max(1000).default(30),
  PRICE_JUMP_WINDOW_HOURS: z.coerce.number().int().min(1).max(8760).default(24),

  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  STORAGE_LOCAL_DIR: z.string().optional(),
  S3_ENDPOINT: z.string().optional(),
  S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, 'must be a region name like ap-south-1')
    .default('us-east-1'),
  S3_BUCKET: z.string().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  LISTING_IMAGE_MAX_BYTES: z.coerce.number().int().min(1024).max(52_428_800).default(5_242_880),
  LISTING_IMAGES_MAX: z.coerce.number().int().min(1).max(50).default(8),
  MEDIA_IMAGE_MAX_PIXELS: z.coerce.number().int().min(10_000).max(268_402_689).default(40_000_000),
  MEDIA_DECODE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(300).default(10),

  MIN_ORDER_B2B_PAISE: z.coerce.number().int().min(0).max(1e12).default(1_000_000),
  MIN_ORDER_B2C_PAISE: z.coerce.number().int().min(0).max(1e12).default(50_000),
  ORDER_RESERVATION_TTL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  ORDER_AUTO_COMPLETE_HOURS: duration(60, 90 * 86_400).default(168 * 3600),
  REPAIR_CONFIRM_WINDOW_HOURS: duration(60, 30 * 86_400).default(48 * 3600),
  // Razorpay refuses a Payment Link or QR code expiring less than 15 minutes ahead.
  REPAIR_TERMINAL_TTL_MINUTES: z.coerce.number().int().min(15).max(1440).default(15),
  REPAIR_VISIT_FEE_PAISE: z.coerce.number().int().min(0).max(10_000_000).default(19_900),
  REPAIR_MEDIA_IMAGE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(52_428_800)
    .default(10_485_760),
  REPAIR_MEDIA_VIDEO_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(524_288_000)
    .default(52_428_800),
  REPAIR_MEDIA_MAX: z.coerce.number().int().min(1).max(50).default(10),
  KYC_DOCUMENT_MAX_BYTES: z.coerce.number().int().min(1024).max(52_428_800).default(10_485_760),
  PAYMENT_STUCK_ALERT_MINUTES: z.coerce.number().int().min(1).max(10080).default(120),
  ESCROW_SLA_DAYS: z.coerce.number().int().min(1).max(365).default(10),
  ESCROW_SHIP_SLA_DAYS: z.coerce.number().int().min(1).max(365).default(3),
  FRAUD_CHECKS: z.enum(['on', 'off']).optional(),
  FRAUD_VELOCITY_WINDOW_MINUTES: z.coerce.number().int().min(1).max(10080).default(60),
  FRAUD_VELOCITY_MAX_ORDERS: z.coerce.number().int().min(1).max(10000).default(5),
  FRAUD_VELOCITY_MAX_PAISE: z.coerce.number().int().min(1).max(1e12).default(10_000_000),
  FRAUD_VELOCITY_IP_MULTIPLIER: z.coerce.number().int().min(1).max(100).default(5),
  FRAUD_NEW_ACCOUNT_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  FRAUD_NEW_ACCOUNT_FIRST_ORDERS: z.coerce.number().int().min(0).max(1000).default(3),
  FRAUD_NEW_ACCOUNT_ORDER_PAISE: z.coerce.number().int().min(1).max(1e12).default(2_500_000),
  FRAUD_SELF_DEALING_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  FRAUD_REFUND_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  FRAUD_REFUND_MAX_COUNT: z.coerce.number().int().min(1).max(10000).default(3),
  FRAUD_REFUND_MAX_RATIO_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  FRAUD_REFUND_MIN_ORDERS: z.coerce.number().int().min(1).max(10000).default(4),
  // Hardware auto-matching (src/matching/, README "Hardware auto-match"): the search rings (km,
  // ascending), one offer's time to live, how many technicians are offered before the admin queue,
  // and the offer score's weights.
  MATCHING_RADII_KM: z
    .string()
    .regex(/^\d{1,3}(,\d{1,3})*$/, 'comma-separated whole kilometres, e.g. 5,10,20')
    .transform((v) => v.split(',').map(Number))
    .refine((r) => r.every((km, i) => km >= 1 && km <= 100 && (i === 0 || km > r[i - 1]!)), {
      message: 'ascending, each 1 to 100 km',
    })
    .default([5, 10, 20]),
  MATCHING_OFFER_TTL_SECONDS: z.coerce.number().int().min(5).max(600).default(15),
  MATCHING_MAX_CANDIDATES: z.coerce.number().int().min(1).max(50).default(5),
  MATCHING_WEIGHT_DISTANCE: z.coerce.number().min(0).max(10).default(0.5),
  MATCHING_WEIGHT_RATING: z.coerce.number().min(0).max(10).default(0.4),
  MATCHING_WEIGHT_LOAD: z.coerce.number().min(0).max(10).default(0.1),
  TECHNICIAN_POSITION_MIN_MOVE_M: z.coerce.number().int().min(1).max(10_000).default(50),
  TECHNICIAN_POSITION_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  TECHNICIAN_LOCATION_HISTORY_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  TECHNICIAN_SPOOF_FLAG_THRESHOLD: z.coerce.number().int().min(10).max(10_000).default(100),
  DISPUTE_IMAGE_MAX_BYTES: z.coerce.number().int().min(1024).max(52_428_800).default(10_485_760),
  DISPUTE_VIDEO_MAX_BYTES: z.coerce.number().int().min(1024).max(524_288_000).default(52_428_800),
  DISPUTE_EVIDENCE_MAX: z.coerce.number().int().min(1).max(50).default(10),
  // Chat (src/chat/): the longest text message (characters) and the largest attachments (bytes).
  CHAT_MESSAGE_MAX_CHARS: z.coerce.number().int().min(1).max(20_000).default(2000),
  CHAT_IMAGE_MAX_BYTES: z.coerce.number().int().min(1024).max(52_428_800).default(10_485_760),
  CHAT_VIDEO_MAX_BYTES: z.coerce.number().int().min(1024).max(524_288_000).default(104_857_600),
  EARLY_RELEASE_APPROVAL_ABOVE_PAISE: z.coerce.number().int().min(0).max(1e12).default(5_000_000),
  // The platform's GSTIN on commission tax invoices. PLACEHOLDER default (Karnataka, state code 29,
  // a valid check character): set the real registration before issuing invoices.
  PLATFORM_GSTIN: z
    .string()
    .refine(isValidGstin, 'must be a 15-character GSTIN with a valid check character')
    .default('29FIXBZ0000A1ZY'),
  // A return's period can be closed this long after its end (src/returns/): every posting is dated by
  // the database clock at its statement, so once the posting transactions running at the period's end
  // have committed or rolled back, no entry dated in it can still appear.
  RETURNS_CLOSE_GRACE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  // The platform's name and principal place of business as registered for GST (e-invoices' seller,
  // src/returns/): PLACEHOLDER defaults in Bengaluru (the default GSTIN's state); set the real ones.
  PLATFORM_LEGAL_NAME: z.string().min(3).max(100).default('FixBazaar Technologies Private Limited'),
  PLATFORM_ADDRESS: z.string().min(1).max(100).default('12 Residency Road'),
  PLATFORM_CITY: z.string().min(3).max(50).default('Bengaluru'),
  PLATFORM_PINCODE: z
    .string()
    .regex(/^[1-9][0-9]{5}$/, 'must be a 6-digit PIN code')
    .default('560025'),

  RAZORPAY_API_URL: z.string().url().default('https://api.razorpay.com'),
  RAZORPAY_KEY_ID: z
    .string()
    .regex(/^rzp_(test|live)_[A-Za-z0-9]+$/, 'must look like rzp_test_… or rzp_live_…')
    .optional(),
  RAZORPAY_KEY_SECRET: z.string().min(8).optional(),
  RAZORPAY_WEBHOOK_SECRET: z.string().min(8).optional(),
  RAZORPAY_WEBHOOK_SECRET_PREVIOUS: z.string().min(8).optional(),
  WEBHOOK_CONFIRM_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),

  // Calls (src/calls/, README "Calls and push"): the LiveKit server (its URL is also what clients
  // connect to), its API key and secret (the stand-in's outside production when unset), and how long
  // a call rings before it is missed.
  LIVEKIT_URL: z.string().url().default('http://127.0.0.1:7880'),
  LIVEKIT_API_KEY: z.string().min(3).optional(),
  LIVEKIT_API_SECRET: z.string().min(32).optional(),
  CALL_RING_SECONDS: z.coerce.number().int().min(1).max(120).default(30),
  // Remote repair (src/remote/, README "Remote repair"; docs/remote-tunnel.md): the IMEI vault's
  // AES-256 keys (`keyId:base64,...`, the current one first) and its HMAC index key; the tunnel's
  // Ed25519 signing key (PEM) and trusted public keys, the relays' shared secret, their admin URLs
  // (revocations are pushed there) and the URL agents dial; session limits and the consent's length.
  // Unset secrets outside production: published development ones.
  IMEI_VAULT_KEYS: z.string().optional(),
  IMEI_INDEX_KEY: z.string().optional(),
  TUNNEL_SIGNING_KEY: z.string().optional(),
  TUNNEL_PUBLIC_KEYS: z.string().optional(),
  TUNNEL_RELAY_SECRET: z.union([z.literal(''), z.string().min(32)]).optional(),
  TUNNEL_RELAY_ADMIN_URLS: z.string().optional(),
  TUNNEL_RELAY_URL: z.string().min(1).max(500).optional(),
  TUNNEL_RELAYS: z.string().optional(),
  TUNNEL_RELAY_CERT_FINGERPRINT: z
    .union([
      z.literal(''),
      z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (SHA-256 of the certificate)'),
    ])
    .optional(),
  REMOTE_SESSION_MAX_MINUTES: z.coerce.number().int().min(1).max(720).default(60),
  REMOTE_SESSION_JOIN_MINUTES: z.coerce.number().int().min(1).max(120).default(15),
  REMOTE_SESSION_BANDWIDTH_BPS: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1_073_741_824)
    .default(2_097_152),
  REMOTE_SESSION_TARGET: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$/, 'must be host:port')
    .default('127.0.0.1:5555'),
  REMOTE_CONSENT_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  // Push notifications: `local` writes each push to the push_outbox table (nothing leaves the
  // machine); `expo` sends through Expo's push service (EXPO_ACCESS_TOKEN when the project requires one).
  PUSH_PROVIDER: z.enum(['local', 'expo']).default('local'),
  EXPO_ACCESS_TOKEN: z.string().min(8).optional(),
  // How long after a push its Expo receipt is asked for (Expo has it within minutes, for a day).
  PUSH_RECEIPT_DELAY_SECONDS: z.coerce.number().int().min(1).max(43_200).default(900),
});

export type Env = z.infer<typeof envSchema>;
