import type { BucketLimit } from '../config/rate-limit-policy.js';

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

export const BLOCK_KINDS = ['ip', 'fingerprint'] as const;
/** What a block applies to: a client IP, or the SHA-256 of a device fingerprint header. */
export type BlockKind = (typeof BLOCK_KINDS)[number];

export interface BlockTarget {
  kind: BlockKind;
  /** The IP address, or the fingerprint hash (the raw header is never stored). */
  value: string;
}

export interface AbuseBlock extends BlockTarget {
  /** Epoch milliseconds (the store's clock). */
  blockedAt: number;
  until: number;
  /** Penalty points when the block was imposed. */
  penalty: number;
}

export interface BucketRequest {
  key: string;
  limit: BucketLimit;
}

export interface TakeResult {
  allowed: boolean;
  retryAfterMs: number;
  /** Whole tokens left per bucket, in request order. */
  remaining: number[];
}

export interface PenaltyRule {
  threshold: number;
  decayMs: number;
  blockMs: number;
}

export interface PenaltyResult {
  /** Points after this penalty (0 once a block was imposed: the slate is wiped). */
  penalty: number;
  /** The block this penalty imposed, if it reached the threshold; null otherwise or when already blocked. */
  blocked: AbuseBlock | null;
}

export interface BlockPosition {
  until: number;
  kind: BlockKind;
  value: string;
}

/**
 * Where buckets, penalties and blocks live: Redis when REDIS_URL is set (shared by every instance), process
 * memory otherwise. Each operation is atomic in the store, so concurrent requests on several instances
 * cannot both take the last token or both impose (and audit) the same block.
 */
export interface RateLimitStore {
  readonly kind: 'redis' | 'memory';
  /** Takes one token from every bucket or from none (see token-bucket.ts). */
  take(buckets: BucketRequest[]): Promise<TakeResult>;
  /** Adds points to a target's decaying penalty; at the threshold blocks it and wipes the penalty. */
  addPenalty(target: BlockTarget, points: number, rule: PenaltyRule): Promise<PenaltyResult>;
  /** Milliseconds until the longest of these targets' blocks ends; 0 when none is blocked. */
  blockedFor(targets: BlockTarget[]): Promise<number>;
  getBlock(target: BlockTarget): Promise<AbuseBlock | null>;
  /** Active blocks, latest ending first (then by kind and value, descending), after `after` when given. */
  listBlocks(limit: number, after?: BlockPosition): Promise<AbuseBlock[]>;
  /** Lifts a block and wipes the target's penalty; returns the block lifted, null when there was none. */
  removeBlock(target: BlockTarget): Promise<AbuseBlock | null>;
  close(): Promise<void>;
}

/** Sort order of listBlocks: `until` descending, then `kind:value` descending (Redis's reverse order). */
export function compareBlocks(a: BlockPosition, b: BlockPosition): number {
  if (a.until !== b.until) return b.until - a.until;
  const am = `${a.kind}:${a.value}`;
  const bm = `${b.kind}:${b.value}`;
  return am === bm ? 0 : am < bm ? 1 : -1;
}
