/**
 * A token bucket for one direction of one session: `ratePerSecond` bytes a second, bursts up to a
 * quarter second's worth. Bytes already read are always forwarded (never dropped); the bucket may go into
 * debt, and `take` answers how long the reader must pause so the average stays at the rate.
 * A small chunk (an interactive keystroke or ADB header) may pass while the debt is under a quarter
 * second's worth, so a bulk transfer in the same session cannot starve it; it still counts.
 */
export const SMALL_CHUNK_BYTES = 1024;

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    nowMs: number,
  ) {
    this.tokens = ratePerSecond / 4;
    this.updatedAt = nowMs;
  }

  /** Counts `bytes` and answers the pause in ms before the next read (0: go on). */
  take(bytes: number, nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= bytes;
    if (this.tokens >= 0) return 0;
    if (bytes <= SMALL_CHUNK_BYTES && this.tokens > -this.ratePerSecond / 4) return 0;
    return Math.ceil((-this.tokens * 1000) / this.ratePerSecond);
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.updatedAt);
    this.updatedAt = nowMs;
    this.tokens = Math.min(
      this.ratePerSecond / 4,
      this.tokens + (elapsed * this.ratePerSecond) / 1000,
    );
  }
}
