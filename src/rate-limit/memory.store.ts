import {
  penaltyAt,
  penaltyTtlMs,
  reachesThreshold,
  takeAll,
  bucketTtlMs,
  type BucketState,
  type PenaltyState,
} from './token-bucket.js';
import { ExpiringMap } from '../common/expiring-map.js';
import {
  compareBlocks,
  type AbuseBlock,
  type BlockPosition,
  type BlockTarget,
  type BucketRequest,
  type PenaltyResult,
  type PenaltyRule,
  type RateLimitStore,
  type TakeResult,
} from './rate-limit.store.js';

/** Entries per map before the oldest are dropped: bounds memory whatever clients send. */
export const MEMORY_STORE_MAX_ENTRIES = 100_000;

const member = (t: BlockTarget): string => `${t.kind}:${t.value}`;

/** Single-instance storage (REDIS_URL unset): limits are per process. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly kind = 'memory';
  private readonly buckets: ExpiringMap<BucketState>;
  private readonly penalties: ExpiringMap<PenaltyState>;
  private readonly blocks: ExpiringMap<AbuseBlock>;

  constructor(
    maxEntries = MEMORY_STORE_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new ExpiringMap(maxEntries, now);
    this.penalties = new ExpiringMap(maxEntries, now);
    this.blocks = new ExpiringMap(maxEntries, now);
  }

  take(requests: BucketRequest[]): Promise<TakeResult> {
    const now = this.now();
    const limits = requests.map((r) => r.limit);
    const outcome = takeAll(
      requests.map((r) => this.buckets.get(r.key)),
      limits,
      now,
    );
    outcome.states.forEach((state, i) =>
      this.buckets.set(requests[i]!.key, state, bucketTtlMs(state.tokens, limits[i]!)),
    );
    return Promise.resolve({
      allowed: outcome.allowed,
      retryAfterMs: outcome.retryAfterMs,
      remaining: outcome.remaining,
    });
  }

  addPenalty(target: BlockTarget, points: number, rule: PenaltyRule): Promise<PenaltyResult> {
    const key = member(target);
    if (this.blocks.get(key)) return Promise.resolve({ penalty: 0, blocked: null });
    const now = this.now();
    const penalty = penaltyAt(this.penalties.get(key), rule, now) + points;
    if (reachesThreshold(penalty, rule)) {
      const block: AbuseBlock = { ...target, blockedAt: now, until: now + rule.blockMs, penalty };
      this.blocks.set(key, block, rule.blockMs);
      this.penalties.delete(key);
      return Promise.resolve({ penalty: 0, blocked: block });
    }
    this.penalties.set(key, { points: penalty, at: now }, penaltyTtlMs(penalty, rule));
    return Promise.resolve({ penalty, blocked: null });
  }

  blockedFor(targets: BlockTarget[]): Promise<number> {
    return Promise.resolve(Math.max(0, ...targets.map((t) => this.blocks.ttl(member(t)))));
  }

  getBlock(target: BlockTarget): Promise<AbuseBlock | null> {
    return Promise.resolve(this.blocks.get(member(target)) ?? null);
  }

  listBlocks(limit: number, after?: BlockPosition): Promise<AbuseBlock[]> {
    const all = [...this.blocks.values()]
      .filter((b) => !after || compareBlocks(after, b) < 0)
      .sort(compareBlocks);
    return Promise.resolve(all.slice(0, limit));
  }

  removeBlock(target: BlockTarget): Promise<AbuseBlock | null> {
    const key = member(target);
    const block = this.blocks.get(key) ?? null;
    this.blocks.delete(key);
    this.penalties.delete(key);
    return Promise.resolve(block);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
