/**
 * A Map whose entries expire, capped in size. When full it first drops expired entries, then the least
 * recently written ones (Map order is insertion order; `set` re-inserts). For per-process memory that may
 * forget at any time: rate-limit buckets (dropping one only refills it early), caches and quiet periods.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
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
