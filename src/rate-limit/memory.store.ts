import {
  penaltyAt,
  penaltyTtlMs,
  reachesThreshold,
  takeAll,
  bucketTtlMs,
  type BucketState,
  type PenaltyState,
} from './token-bucket.js';
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

/**
 * A Map whose entries expire, capped in size. When full it first drops expired entries, then the least
 * recently written ones (Map order is insertion order; `set` re-inserts). Dropping a bucket only refills it
 * early, so the cap errs on the side of letting requests through.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Milliseconds left before `key` expires; 0 when absent. */
  ttl(key: string): number {
    const entry = this.entries.get(key);
    return entry ? Math.max(0, entry.expiresAt - this.now()) : 0;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    if (this.entries.size > this.maxEntries) this.prune();
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  *values(): IterableIterator<V> {
    const now = this.now();
    for (const { value, expiresAt } of this.entries.values()) if (expiresAt > now) yield value;
  }

  /** Drops expired entries, then the oldest down to 90% of the cap (so a full map is not swept on every set). */
  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    const target = Math.floor(this.maxEntries * 0.9);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= target) break;
      this.entries.delete(key);
    }
  }
}

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
