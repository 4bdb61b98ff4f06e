/**
 * Reconnect delays with full jitter (AWS "Exponential Backoff and Jitter"): attempt n waits a
 * uniformly random time in [0, min(cap, base·2ⁿ)]. A connection that stayed up `stableMs` resets
 * the count, so a blip after an hour starts again from the shortest delay.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  stableMs: number;
  random?: () => number;
}

export const AGENT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000, stableMs: 60_000 };

export class Backoff {
  private attempt = 0;
  private connectedAt: number | undefined;

  constructor(private readonly options: BackoffOptions) {}

  connected(nowMs: number): void {
    this.connectedAt = nowMs;
  }

  /** The delay before the next attempt, after a connection was lost or refused at `nowMs`. */
  next(nowMs: number): number {
    if (this.connectedAt !== undefined && nowMs - this.connectedAt >= this.options.stableMs) {
      this.attempt = 0;
    }
    this.connectedAt = undefined;
    const ceiling = Math.min(this.options.capMs, this.options.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor((this.options.random ?? Math.random)() * ceiling);
  }
}
