import type { KeyObject } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseEd25519PrivateKey, parseRawEd25519PublicKeys } from '../common/ed25519-keys.js';
import { projectRoot } from '../common/project-root.js';
import { envSchema } from './env.schema.js';
import { localClusterFile, localClusterUrls, readLocalCluster } from './local-cluster.js';
import { parseRateLimitPolicy, type RateLimitPolicy } from './rate-limit-policy.js';
import { storageConfigOf, type StorageConfig } from './storage-config.js';
import { anchorConfigOf, type AnchorConfig } from './anchor-config.js';
import { remoteConfigOf, type RemoteConfig } from './remote-config.js';

/** Used only outside production when JWT_SECRET is unset; production refuses to start without one. */
const DEVELOPMENT_JWT_SECRET = 'fixbazaar-development-only-secret-not-for-production';

/** Used only outside production when ACCOUNT_SECRETS_KEY is unset; production refuses to start without one. */
const DEVELOPMENT_ACCOUNT_SECRETS_KEY = 'fixbazaar-development-only-account-secrets-key';

/**
 * Razorpay credentials of the local sandbox (scripts/razorpay-sandbox), used outside production when
 * none are configured; production refuses to start without real ones.
 */
export const SANDBOX_RAZORPAY = {
  keyId: 'rzp_test_fixbazaarsandbox',
  keySecret: 'fixbazaar-sandbox-key-secret',
  webhookSecret: 'fixbazaar-sandbox-webhook-secret',
} as const;

/**
 * Signs ledger seals only outside production when LEDGER_SEAL_KEY is unset (key id d03fb9cb14772018).
 * It is published here, so its seals prove nothing; production refuses to start with it or without a key.
 */
/**
 * LiveKit credentials of the local stand-in (scripts/livekit-standin), used outside production when
 * none are configured; production refuses to start without real ones.
 */
export const STANDIN_LIVEKIT = {
  apiKey: 'APIfixbazaarstandin',
  apiSecret: 'fixbazaar-livekit-standin-secret-0123456789',
} as const;

export const DEVELOPMENT_LEDGER_SEAL_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIK0BGOoCcR4/tTep2H1ypnee/tJ8Q+bgofSwO4NawPjF
-----END PRIVATE KEY-----`;

/**
 * Signs audit heads only outside production when AUDIT_SIGNING_KEY is unset, so anchoring works out
 * of the box. It is published here, so its signatures prove nothing; production refuses it.
 */
export const DEVELOPMENT_AUDIT_SIGNING_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIKwL/mjDwAxoRqCg+/mxJ9oTwNd0IzrodJidbxh5cCg3
-----END PRIVATE KEY-----`;

export interface AppConfig {
  env: 'development' | 'test' | 'production';
  http: { host: string; port: number; bodyLimitBytes: number; trustProxy: boolean };
  log: { level: string };
  database: {
    /** The application's connection (a role that does not own the schema). */
    url: string;
    /** The schema owner's connection, used by migrations and test provisioning. */
    ownerUrl: string;
    /** Where the URLs came from, for diagnostics. */
    source: 'env' | 'local-cluster';
    poolMax: number;
    /** How long a query may wait for a free pooled connection before failing. */
    poolWaitMs: number;
    statementTimeoutMs: number;
    /**
     * DATABASE_REPLICA_URL: a streaming replica (hot standby) for reads that tolerate staleness (the
     * ledger's read side); null: everything reads the primary.
     */
    replicaUrl: string | null;
    /** DATABASE_REPLICA_MAX_LAG_MS: past this replay lag, those reads go to the primary. */
    replicaMaxLagMs: number;
    /**
     * Group commit (`TransactionRunner.grouped`, src/database/group-commit.ts): commands per
     * transaction at most (DATABASE_GROUP_COMMIT_MAX; 1 turns grouping off) and batches in flight
     * at once (DATABASE_GROUP_COMMIT_CONCURRENCY).
     */
    groupCommit: { maxCommands: number; concurrency: number };
  };
  docsEnabled: boolean;
  /**
   * `GET /metrics`: with a token, only `Authorization: Bearer <token>` may scrape; without one (never in
   * production) only loopback clients may.
   */
  metrics: { token?: string };
  auth: {
    jwtSecret: string;
    /** Encrypts TOTP secrets at rest and keys the hashes of one-time codes (ACCOUNT_SECRETS_KEY). */
    accountSecretsKey: string;
    accessTokenTtlSeconds: number;
    /**
     * How long a signed-in request's principal (session and account) may be reused from the cache
     * every change clears (AUTH_PRINCIPAL_CACHE_SECONDS; 0: read on every request).
     */
    principalCacheSeconds: number;
    refreshTokenTtlDays: number;
    argon2: { memoryKiB: number; timeCost: number; parallelism: number };
    login: {
      slowdownAfterFailures: number;
      lockoutAfterFailures: number;
      lockoutSeconds: number;
      failureWindowSeconds: number;
      /** An IP (shared by an office or a carrier NAT) gets this many times the failures of one account. */
      ipMultiplier: number;
    };
  };
  /**
   * How e-mail and SMS leave the platform. `local` writes each message to `outboxDir` (nothing leaves
   * the machine); production refuses it unless `localAllowedInProduction` (no real provider exists yet).
   */
  notifications: { driver: 'local'; outboxDir: string; localAllowedInProduction: boolean };
  /**
   * Push notifications: `local` writes each push to the push_outbox table, `expo` sends through
   * Expo's push service (with `expoAccessToken` when set).
   */
  push: {
    provider: 'local' | 'expo';
    expoAccessToken?: string;
    /** Delay before asking the provider for a push's receipt (stale tokens are dropped then). */
    receiptDelaySeconds: number;
  };
  /** Calls through LiveKit (src/calls/, README "Calls and push"). */
  calls: {
    livekit: { url: string; apiKey: string; apiSecret: string };
    /** An unanswered call is missed after this long. */
    ringSeconds: number;
  };
  /** Remote repair: consent, the IMEI vault, sessions through the tunnel (src/remote/, README "Remote repair"). */
  remote: RemoteConfig;
  rateLimit: {
    redisUrl?: string;
    policy: RateLimitPolicy;
    abuse: { penaltyThreshold: number; blockSeconds: number; decaySeconds: number };
  };
  audit: {
    /** Ed25519 private key (PEM) signing chain heads (the development key outside production if unset). */
    signingKeyPem: string;
  };
  /** Where signed audit heads and ledger seals are anchored outside PostgreSQL. */
  anchors: AnchorConfig;
  ledger: {
    /** Ed25519 private key (PEM) signing ledger seals (the development key outside production if unset). */
    sealKeyPem: string;
    /** Base64 raw Ed25519 public keys of retired seal keys, still trusted when verifying. */
    trustedSealKeys: string[];
  };
  catalog: {
    /** A dealer's listings need admin review until this many of its listings were ever activated. */
    reviewFirstListings: number;
    /** A price raised by more than maxPercent over its lowest live price within windowHours is held for review. */
    priceJump: { maxPercent: number; windowHours: number };
    /** Listing images: largest accepted image in bytes, and images per listing. */
    images: { maxBytes: number; maxPerListing: number };
  };
  /**
   * Uploaded photos (listing images, dispute evidence) are decoded in full and re-encoded: largest
   * width × height accepted, and the longest one decode may take.
   */
  media: { imageMaxPixels: number; decodeTimeoutSeconds: number };
  /** Where uploaded objects (listing images) are stored: local disk or an S3-compatible bucket. */
  storage: StorageConfig;
  razorpay: {
    /** API base URL: https://api.razorpay.com, or the local sandbox's URL. */
    apiUrl: string;
    keyId: string;
    keySecret: string;
    /** Webhook secrets accepted: the current one first, then the previous one during a rotation. */
    webhookSecrets: string[];
  };
  webhookInbox: {
    /**
     * While a webhook's handler asks the gateway to confirm it, its inbox row is leased this long (no
     * other worker takes it); a worker killed meanwhile leaves it to be taken again once it ends.
     */
    confirmLeaseSeconds: number;
  };
  orders: {
    /** Minimum item subtotal (GST-inclusive, excluding delivery) of an order, per channel, in paise. */
    minimumOrderPaise: { b2b: number; b2c: number };
    /** How long checkout holds stock for an unpaid order. */
    reservationTtlMinutes: number;
    /**
     * A delivered sub-order completes (and escrow may release) this many seconds after delivery unless
     * a return or dispute is open: the return window (ORDER_AUTO_COMPLETE_HOURS, a duration).
     */
    autoCompleteSeconds: number;
  };
  repairs: {
    /**
     * A job its technician marked done is confirmed (and its escrow may release) this many seconds
     * later unless its customer confirmed it first (REPAIR_CONFIRM_WINDOW_HOURS, a duration).
     */
    confirmWindowSeconds: number;
    /**
     * A payment request of the technician's terminal (a Payment Link or UPI QR code) expires this many
     * minutes after it is made (REPAIR_TERMINAL_TTL_MINUTES, 15 to 1440).
     */
    terminalTtlMinutes: number;
    /**
     * Kept from a paid offline job cancelled after its technician arrived and released to the
     * technician (at most what was paid; staff may waive it): REPAIR_VISIT_FEE_PAISE, default ₹199.
     */
    visitFeePaise: number;
    /**
     * Photos and videos of a job (its customer's, `POST /repairs/{id}/media`): largest photo and
     * video in bytes, files per job (REPAIR_MEDIA_IMAGE_MAX_BYTES, REPAIR_MEDIA_VIDEO_MAX_BYTES,
     * REPAIR_MEDIA_MAX).
     */
    media: { imageMaxBytes: number; videoMaxBytes: number; maxFiles: number };
  };
  /** KYC documents (`PUT /me/kyc-documents/{kind}`): largest photo or PDF in bytes (KYC_DOCUMENT_MAX_BYTES). */
  kyc: { maxBytes: number };
  /** Evidence of returns and disputes: largest photo and video in bytes, files per dispute. */
  disputes: { imageMaxBytes: number; videoMaxBytes: number; maxEvidence: number };
  /** Chat: the longest text message (characters), the largest image and video attachment (bytes). */
  chat: { messageMaxChars: number; imageMaxBytes: number; videoMaxBytes: number };
  paymentAlerts: {
    /** A payment still creating/created/authorized this long after it was opened raises a `payment_stuck` alert. */
    stuckAfterMinutes: number;
    /** Escrow still held this many days after its sub-order was delivered is escalated (`escrow_sla`). */
    escrowSlaDays: number;
    /** Escrow of a sub-order paid but not shipped this many days after capture is escalated (`escrow_sla`). */
    escrowShipSlaDays: number;
  };
  /** Fraud prevention checks (src/fraud/, README "Fraud checks"). */
  fraud: {
    /** FRAUD_CHECKS: `on` (default) or `off`; default `off` under NODE_ENV=test (e2e fixtures are new accounts on loopback). */
    enabled: boolean;
    /** Orders (or their total) per buyer, device and IP within windowMinutes above which an order is held. */
    velocity: { windowMinutes: number; maxOrders: number; maxPaise: number; ipMultiplier: number };
    /** An order of at least orderPaise by an account younger than days, or among its first firstOrders, is held. */
    newAccount: { days: number; firstOrders: number; orderPaise: number };
    /** How far back a dealer's sessions (device, IP) count as the dealer's for the self-dealing check. */
    selfDealingLookbackDays: number;
    /** Refunds per buyer within windowDays: more than maxCount, or more than maxRatioPercent of at least minOrders paid orders. */
    refunds: { windowDays: number; maxCount: number; maxRatioPercent: number; minOrders: number };
  };
  /** Hardware auto-matching (src/matching/, README "Hardware auto-match"). */
  matching: {
    /** Candidates are searched within the first ring, widening ring by ring (km, ascending). */
    radiiKm: number[];
    /** How long one offer stays open. */
    offerTtlSeconds: number;
    /** After this many offers without an acceptance the job goes to the admin queue. */
    maxCandidates: number;
    /** The offer score's weights (README "Hardware auto-match" gives the formula). */
    weights: { distance: number; rating: number; load: number };
  };
  /** Technicians' positions and location history (src/technicians/, README "Technician location"). */
  technicians: {
    /** The current position is rewritten when the technician moved ≥ minMoveM or ≥ minIntervalSeconds passed. */
    position: { minMoveM: number; minIntervalSeconds: number };
    /** Location fixes older than this are purged (daily job). */
    historyDays: number;
    /** A rolling spoofing score at or above this flags the technician for review. */
    spoofFlagThreshold: number;
  };
  escrowControls: {
    /** An early escrow release of more than this (paise) needs a second staff approver (maker-checker). */
    earlyReleaseApprovalAbovePaise: number;
  };
  /** Commission tax invoices (src/payouts/commission/): the platform's GSTIN (placeholder default). */
  commission: { platformGstin: string };
  /** The platform as the seller on its e-invoices (src/returns/; placeholder defaults). */
  platform: { legalName: string; address: string; city: string; pincode: string };
  /** Statutory returns (src/returns/): how long after its end a period can be closed. */
  returns: { closeGraceMinutes: number };
  jobs: {
    /** Run job workers and schedules in this process (false: enqueue only). */
    workers: boolean;
    poolMax: number;
    /**
     * A running job's heartbeat: a job whose worker stopped beating this long (a killed process) is
     * failed and retried by the next supervisor pass.
     */
    heartbeatSeconds: number;
    /** How often a worker process's supervisor fails stale jobs (expired or heartbeat lost). */
    superviseSeconds: number;
  };
}

export class ConfigError extends Error {}

/** One line per bad variable: `PORT: must be an integer ... (got "abc")`. */
function describeIssues(error: z.ZodError, env: NodeJS.ProcessEnv): string {
  return error.issues
    .map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const got = env[name];
      return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redactUrl(got))})`}`;
    })
    .join('; ');
}

function redactUrl(value: string): string {
  return value.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/** Validates the environment and resolves the database URLs (env first, then the local cluster). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration: ${describeIssues(parsed.error, env)}`);
  }
  const e = parsed.data;
  const fail = (name: string, message: string): never => {
    throw new ConfigError(`Invalid configuration: ${name}: ${message}`);
  };
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET) fail('JWT_SECRET', 'required in production');
  if (e.NODE_ENV === 'production')
    for (const key of [
      'RAZORPAY_KEY_ID',
      'RAZORPAY_KEY_SECRET',
      'RAZORPAY_WEBHOOK_SECRET',
    ] as const)
      if (!e[key]) fail(key, 'required in production');
  const policy = parseRateLimitPolicy(e.RATE_LIMIT_POLICY);
  if (typeof policy === 'string') fail('RATE_LIMIT_POLICY', policy);
  if (e.LOGIN_SLOWDOWN_AFTER_FAILURES >= e.LOGIN_LOCKOUT_AFTER_FAILURES) {
    fail(
      'LOGIN_SLOWDOWN_AFTER_FAILURES',
      `must be below LOGIN_LOCKOUT_AFTER_FAILURES (${e.LOGIN_LOCKOUT_AFTER_FAILURES})`,
    );
  }
  const signingKeyPem = e.AUDIT_SIGNING_KEY?.replace(/\\n/g, '\n').trim() || undefined;
  if (signingKeyPem) {
    let key: KeyObject | undefined;
    try {
      key = parseEd25519PrivateKey(signingKeyPem);
    } catch (err) {
      fail('AUDIT_SIGNING_KEY', (err as Error).message);
    }
    if (
      e.NODE_ENV === 'production' &&
      key?.equals(parseEd25519PrivateKey(DEVELOPMENT_AUDIT_SIGNING_KEY)) === true
    )
      fail('AUDIT_SIGNING_KEY', 'the published development key cannot sign in production');
  }
  const sealKeyPem = e.LEDGER_SEAL_KEY?.replace(/\\n/g, '\n').trim() || undefined;
  if (!sealKeyPem && e.NODE_ENV === 'production') fail('LEDGER_SEAL_KEY', 'required in production');
  if (sealKeyPem) {
    let sealKey: KeyObject | undefined;
    try {
      sealKey = parseEd25519PrivateKey(sealKeyPem);
    } catch (err) {
      fail('LEDGER_SEAL_KEY', (err as Error).message);
    }
    if (
      e.NODE_ENV === 'production' &&
      sealKey?.equals(parseEd25519PrivateKey(DEVELOPMENT_LEDGER_SEAL_KEY)) === true
    ) {
      fail('LEDGER_SEAL_KEY', 'the published development key cannot sign seals in production');
    }
  }
  if (e.NODE_ENV === 'production' && !e.METRICS_TOKEN)
    fail('METRICS_TOKEN', 'required in production');
  if (e.NODE_ENV === 'production' && !e.ACCOUNT_SECRETS_KEY)
    fail('ACCOUNT_SECRETS_KEY', 'required in production');
  if (
    e.NODE_ENV === 'production' &&
    e.NOTIFICATIONS_DRIVER === 'local' &&
    !e.NOTIFICATIONS_LOCAL_IN_PRODUCTION
  )
    fail(
      'NOTIFICATIONS_DRIVER',
      'local writes messages to a folder instead of sending them; production needs a real provider or NOTIFICATIONS_LOCAL_IN_PRODUCTION=true',
    );
  if (!signingKeyPem && e.NODE_ENV === 'production')
    fail('AUDIT_SIGNING_KEY', 'required in production (it signs the anchored audit heads)');
  let trustedSealKeys: string[] = [];
  try {
    trustedSealKeys = parseRawEd25519PublicKeys(e.LEDGER_SEAL_TRUSTED_KEYS).map((k) =>
      k.toString('base64'),
    );
  } catch (err) {
    fail('LEDGER_SEAL_TRUSTED_KEYS', (err as Error).message);
  }
  let database: Pick<AppConfig['database'], 'url' | 'ownerUrl' | 'source'>;
  if (e.DATABASE_URL) {
    database = {
      url: e.DATABASE_URL,
      ownerUrl: e.DATABASE_OWNER_URL ?? e.DATABASE_URL,
      source: 'env',
    };
  } else {
    const cluster = readLocalCluster();
    if (!cluster) {
      throw new ConfigError(
        `Invalid configuration: DATABASE_URL: not set and the local cluster is not initialised (${localClusterFile()} missing); run "npm run db -- start" or set DATABASE_URL`,
      );
    }
    const urls = localClusterUrls(cluster);
    database = {
      url: urls.app,
      ownerUrl: e.DATABASE_OWNER_URL ?? urls.owner,
      source: 'local-cluster',
    };
  }
  if (e.NODE_ENV === 'production' && (!e.LIVEKIT_API_KEY || !e.LIVEKIT_API_SECRET))
    fail('LIVEKIT_API_KEY', 'LIVEKIT_API_KEY and LIVEKIT_API_SECRET are required in production');
  return {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES,
      trustProxy: e.HTTP_TRUST_PROXY,
    },
    log: { level: e.LOG_LEVEL },
    database: {
      ...database,
      poolMax: e.DATABASE_POOL_MAX,
      poolWaitMs: e.DATABASE_POOL_WAIT_MS,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      replicaUrl: e.DATABASE_REPLICA_URL ?? null,
      replicaMaxLagMs: e.DATABASE_REPLICA_MAX_LAG_MS,
      groupCommit: {
        maxCommands: e.DATABASE_GROUP_COMMIT_MAX,
        concurrency: e.DATABASE_GROUP_COMMIT_CONCURRENCY,
      },
    },
    docsEnabled: e.DOCS_ENABLED,
    metrics: { token: e.METRICS_TOKEN },
    jobs: {
      workers: e.JOBS_WORKERS,
      poolMax: e.JOBS_POOL_MAX,
      heartbeatSeconds: e.JOBS_HEARTBEAT_SECONDS,
      superviseSeconds: e.JOBS_SUPERVISE_SECONDS,
    },
    catalog: {
      reviewFirstListings: e.CATALOG_REVIEW_FIRST_LISTINGS,
      priceJump: { maxPercent: e.PRICE_JUMP_MAX_PERCENT, windowHours: e.PRICE_JUMP_WINDOW_HOURS },
      images: { maxBytes: e.LISTING_IMAGE_MAX_BYTES, maxPerListing: e.LISTING_IMAGES_MAX },
    },
    media: {
      imageMaxPixels: e.MEDIA_IMAGE_MAX_PIXELS,
      decodeTimeoutSeconds: e.MEDIA_DECODE_TIMEOUT_SECONDS,
    },
    storage: storageConfigOf(e, fail),
    razorpay: {
      apiUrl: e.RAZORPAY_API_URL,
      keyId: e.RAZORPAY_KEY_ID ?? SANDBOX_RAZORPAY.keyId,
      keySecret: e.RAZORPAY_KEY_SECRET ?? SANDBOX_RAZORPAY.keySecret,
      webhookSecrets: [
        e.RAZORPAY_WEBHOOK_SECRET ?? SANDBOX_RAZORPAY.webhookSecret,
        ...(e.RAZORPAY_WEBHOOK_SECRET_PREVIOUS ? [e.RAZORPAY_WEBHOOK_SECRET_PREVIOUS] : []),
      ],
    },
    webhookInbox: {
      confirmLeaseSeconds: e.WEBHOOK_CONFIRM_LEASE_SECONDS,
    },
    orders: {
      minimumOrderPaise: { b2b: e.MIN_ORDER_B2B_PAISE, b2c: e.MIN_ORDER_B2C_PAISE },
      reservationTtlMinutes: e.ORDER_RESERVATION_TTL_MINUTES,
      autoCompleteSeconds: e.ORDER_AUTO_COMPLETE_HOURS,
    },
    repairs: {
      confirmWindowSeconds: e.REPAIR_CONFIRM_WINDOW_HOURS,
      terminalTtlMinutes: e.REPAIR_TERMINAL_TTL_MINUTES,
      visitFeePaise: e.REPAIR_VISIT_FEE_PAISE,
      media: {
        imageMaxBytes: e.REPAIR_MEDIA_IMAGE_MAX_BYTES,
        videoMaxBytes: e.REPAIR_MEDIA_VIDEO_MAX_BYTES,
        maxFiles: e.REPAIR_MEDIA_MAX,
      },
    },
    kyc: { maxBytes: e.KYC_DOCUMENT_MAX_BYTES },
    disputes: {
      imageMaxBytes: e.DISPUTE_IMAGE_MAX_BYTES,
      videoMaxBytes: e.DISPUTE_VIDEO_MAX_BYTES,
      maxEvidence: e.DISPUTE_EVIDENCE_MAX,
    },
    chat: {
      messageMaxChars: e.CHAT_MESSAGE_MAX_CHARS,
      imageMaxBytes: e.CHAT_IMAGE_MAX_BYTES,
      videoMaxBytes: e.CHAT_VIDEO_MAX_BYTES,
    },
    paymentAlerts: {
      stuckAfterMinutes: e.PAYMENT_STUCK_ALERT_MINUTES,
      escrowSlaDays: e.ESCROW_SLA_DAYS,
      escrowShipSlaDays: e.ESCROW_SHIP_SLA_DAYS,
    },
    fraud: {
      enabled: (e.FRAUD_CHECKS ?? (e.NODE_ENV === 'test' ? 'off' : 'on')) === 'on',
      velocity: {
        windowMinutes: e.FRAUD_VELOCITY_WINDOW_MINUTES,
        maxOrders: e.FRAUD_VELOCITY_MAX_ORDERS,
        maxPaise: e.FRAUD_VELOCITY_MAX_PAISE,
        ipMultiplier: e.FRAUD_VELOCITY_IP_MULTIPLIER,
      },
      newAccount: {
        days: e.FRAUD_NEW_ACCOUNT_DAYS,
        firstOrders: e.FRAUD_NEW_ACCOUNT_FIRST_ORDERS,
        orderPaise: e.FRAUD_NEW_ACCOUNT_ORDER_PAISE,
      },
      selfDealingLookbackDays: e.FRAUD_SELF_DEALING_LOOKBACK_DAYS,
      refunds: {
        windowDays: e.FRAUD_REFUND_WINDOW_DAYS,
        maxCount: e.FRAUD_REFUND_MAX_COUNT,
        maxRatioPercent: e.FRAUD_REFUND_MAX_RATIO_PERCENT,
        minOrders: e.FRAUD_REFUND_MIN_ORDERS,
      },
    },
    matching: {
      radiiKm: e.MATCHING_RADII_KM,
      offerTtlSeconds: e.MATCHING_OFFER_TTL_SECONDS,
      maxCandidates: e.MATCHING_MAX_CANDIDATES,
      weights: {
        distance: e.MATCHING_WEIGHT_DISTANCE,
        rating: e.MATCHING_WEIGHT_RATING,
        load: e.MATCHING_WEIGHT_LOAD,
      },
    },
    technicians: {
      position: {
        minMoveM: e.TECHNICIAN_POSITION_MIN_MOVE_M,
        minIntervalSeconds: e.TECHNICIAN_POSITION_MIN_INTERVAL_SECONDS,
      },
      historyDays: e.TECHNICIAN_LOCATION_HISTORY_DAYS,
      spoofFlagThreshold: e.TECHNICIAN_SPOOF_FLAG_THRESHOLD,
    },
    escrowControls: { earlyReleaseApprovalAbovePaise: e.EARLY_RELEASE_APPROVAL_ABOVE_PAISE },
    commission: { platformGstin: e.PLATFORM_GSTIN },
    returns: { closeGraceMinutes: e.RETURNS_CLOSE_GRACE_MINUTES },
    platform: {
      legalName: e.PLATFORM_LEGAL_NAME,
      address: e.PLATFORM_ADDRESS,
      city: e.PLATFORM_CITY,
      pincode: e.PLATFORM_PINCODE,
    },
    auth: {
      jwtSecret: e.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
      accountSecretsKey: e.ACCOUNT_SECRETS_KEY ?? DEVELOPMENT_ACCOUNT_SECRETS_KEY,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      principalCacheSeconds: e.AUTH_PRINCIPAL_CACHE_SECONDS,
      refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
      argon2: {
        memoryKiB: e.ARGON2_MEMORY_KIB,
        timeCost: e.ARGON2_TIME_COST,
        parallelism: e.ARGON2_PARALLELISM,
      },
      login: {
        slowdownAfterFailures: e.LOGIN_SLOWDOWN_AFTER_FAILURES,
        lockoutAfterFailures: e.LOGIN_LOCKOUT_AFTER_FAILURES,
        lockoutSeconds: e.LOGIN_LOCKOUT_SECONDS,
        failureWindowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
        ipMultiplier: e.LOGIN_IP_MULTIPLIER,
      },
    },
    notifications: {
      driver: e.NOTIFICATIONS_DRIVER,
      outboxDir: resolve(
        projectRoot(),
        e.NOTIFICATIONS_OUTBOX_DIR?.trim() || join('.local', 'outbox'),
      ),
      localAllowedInProduction: e.NOTIFICATIONS_LOCAL_IN_PRODUCTION,
    },
    push: {
      provider: e.PUSH_PROVIDER,
      ...(e.EXPO_ACCESS_TOKEN ? { expoAccessToken: e.EXPO_ACCESS_TOKEN } : {}),
      receiptDelaySeconds: e.PUSH_RECEIPT_DELAY_SECONDS,
    },
    calls: {
      livekit: {
        url: e.LIVEKIT_URL,
        apiKey: e.LIVEKIT_API_KEY ?? STANDIN_LIVEKIT.apiKey,
        apiSecret: e.LIVEKIT_API_SECRET ?? STANDIN_LIVEKIT.apiSecret,
      },
      ringSeconds: e.CALL_RING_SECONDS,
    },
    rateLimit: {
      redisUrl: e.REDIS_URL,
      policy: policy as RateLimitPolicy,
      abuse: {
        penaltyThreshold: e.ABUSE_PENALTY_THRESHOLD,
        blockSeconds: e.ABUSE_BLOCK_SECONDS,
        decaySeconds: e.ABUSE_DECAY_SECONDS,
      },
    },
    audit: { signingKeyPem: signingKeyPem ?? DEVELOPMENT_AUDIT_SIGNING_KEY },
    anchors: anchorConfigOf(e, fail, database.url),
    ledger: { sealKeyPem: sealKeyPem ?? DEVELOPMENT_LEDGER_SEAL_KEY, trustedSealKeys },
    remote: remoteConfigOf(e, fail),
  };
}
