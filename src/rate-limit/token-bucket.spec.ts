import {
  bucketTtlMs,
  penaltyAt,
  penaltyTtlMs,
  reachesThreshold,
  takeAll,
  tokensAt,
} from './token-bucket.js';

const tenPerMinute = { perMinute: 10, burst: 5 }; // one token every 6 s

describe('token bucket', () => {
  it('starts full: a new client may send a whole burst at once, and no more', () => {
    let state = undefined as { tokens: number; at: number } | undefined;
    const allowed: boolean[] = [];
    for (let i = 0; i < 7; i++) {
      const r = takeAll([state], [tenPerMinute], 1_000);
      allowed.push(r.allowed);
      if (r.allowed) state = r.states[0];
    }
    expect(allowed).toEqual([true, true, true, true, true, false, false]);
    expect(state).toEqual({ tokens: 0, at: 1_000 });
  });

  it('refills at perMinute, and says how long until the next token', () => {
    const empty = { tokens: 0, at: 0 };
    const early = takeAll([empty], [tenPerMinute], 1_500);
    expect(early.allowed).toBe(false);
    expect(early.retryAfterMs).toBe(4_500);
    expect(early.states).toEqual([]); // refused: nothing changes
    const onTime = takeAll([empty], [tenPerMinute], 6_000);
    expect(onTime.allowed).toBe(true);
    expect(onTime.remaining).toEqual([0]);
    expect(tokensAt(empty, tenPerMinute, 30_000)).toBe(5);
  });

  it('never refills beyond the burst, however long the bucket sat idle', () => {
    expect(tokensAt({ tokens: 2, at: 0 }, tenPerMinute, 24 * 3600_000)).toBe(5);
    const r = takeAll([{ tokens: 2, at: 0 }], [tenPerMinute], 24 * 3600_000);
    expect(r.remaining).toEqual([4]);
  });

  it('sustains perMinute over time after the burst is spent', () => {
    let state = { tokens: 0, at: 0 };
    let passed = 0;
    for (let t = 0; t <= 60_000; t += 500) {
      const r = takeAll([state], [tenPerMinute], t);
      if (r.allowed) {
        passed++;
        state = r.states[0]!;
      }
    }
    expect(passed).toBe(10); // at 6, 12, ... 60 s
  });

  it('takes from every bucket or from none', () => {
    const user = { perMinute: 60, burst: 10 };
    const ip = { perMinute: 60, burst: 1 };
    const first = takeAll([undefined, undefined], [user, ip], 0);
    expect(first.allowed).toBe(true);
    expect(first.remaining).toEqual([9, 0]);
    const second = takeAll(first.states, [user, ip], 10);
    expect(second.allowed).toBe(false);
    expect(second.retryAfterMs).toBe(990); // the IP bucket decides
    expect(second.remaining).toEqual([9, 0]); // the user's tokens were not spent
  });

  it('ignores a clock that steps back', () => {
    expect(tokensAt({ tokens: 1, at: 10_000 }, tenPerMinute, 5_000)).toBe(1);
  });

  it('expires stored state once the bucket would be full again', () => {
    expect(bucketTtlMs(0, tenPerMinute)).toBe(30_000 + 1000);
    expect(bucketTtlMs(5, tenPerMinute)).toBe(1000);
  });
});

describe('abuse penalty', () => {
  const rule = { threshold: 30, decayMs: 600_000 }; // 30 points leak away in 10 min: 1 point per 20 s

  it('decays linearly to zero', () => {
    const s = { points: 30, at: 0 };
    expect(penaltyAt(s, rule, 0)).toBe(30);
    expect(penaltyAt(s, rule, 300_000)).toBe(15);
    expect(penaltyAt(s, rule, 600_000)).toBe(0);
    expect(penaltyAt(s, rule, 900_000)).toBe(0);
    expect(penaltyAt(undefined, rule, 5)).toBe(0);
  });

  it('counts a partly decayed point as whole: N quick penalties reach a threshold of N', () => {
    expect(reachesThreshold(4.999, { threshold: 5, decayMs: 1 })).toBe(true);
    expect(reachesThreshold(4, { threshold: 5, decayMs: 1 })).toBe(false);
  });

  it('keeps state until it has decayed', () => {
    expect(penaltyTtlMs(3, rule)).toBe(60_000 + 1000);
  });
});
