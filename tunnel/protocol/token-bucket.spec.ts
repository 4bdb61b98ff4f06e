import { TokenBucket } from './token-bucket.js';

describe('token bucket', () => {
  it('lets a quarter second burst through, then answers pauses that hold the rate', () => {
    const bucket = new TokenBucket(1000, 0);
    expect(bucket.take(250, 0)).toBe(0);
    // 1,000 more bytes read at once: forwarded, and the reader waits a second for them.
    expect(bucket.take(1000, 0)).toBe(1000);
    // After that second the debt is paid.
    expect(bucket.take(1000, 1000)).toBe(1000);
  });

  it('over time forwards the rate, however the reads are cut', () => {
    const bucket = new TokenBucket(1_000_000, 0);
    let now = 0;
    let sent = 0;
    while (now < 10_000) {
      sent += 4096;
      now += bucket.take(4096, now) || 1;
    }
    expect(sent / 10).toBeGreaterThan(1_000_000 * 0.95);
    expect(sent / 10).toBeLessThan(1_000_000 * 1.05);
  });

  it('lets a small chunk pass while the debt is small, not a large one', () => {
    const bucket = new TokenBucket(4000, 0);
    bucket.take(1500, 0); // 500 in debt
    expect(bucket.take(100, 0)).toBe(0);
    expect(bucket.take(2000, 0)).toBeGreaterThan(0);
    // Deep in debt, even a small chunk waits.
    expect(bucket.take(100, 0)).toBeGreaterThan(0);
  });
});
