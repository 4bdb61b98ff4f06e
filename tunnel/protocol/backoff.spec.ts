import { AGENT_BACKOFF, Backoff } from './backoff.js';

describe('reconnect backoff (full jitter)', () => {
  it('doubles the ceiling from 0.5 s up to 30 s, drawing uniformly below it', () => {
    const backoff = new Backoff({ ...AGENT_BACKOFF, random: () => 0.999999 });
    const ceilings = Array.from({ length: 9 }, () => backoff.next(0) + 1);
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    const low = new Backoff({ ...AGENT_BACKOFF, random: () => 0 });
    expect(low.next(0)).toBe(0);
  });

  it('starts again from 0.5 s after a connection stable for 60 s, not after a shorter one', () => {
    const backoff = new Backoff({ ...AGENT_BACKOFF, random: () => 0.999999 });
    for (let i = 0; i < 5; i++) backoff.next(0);
    backoff.connected(1_000);
    expect(backoff.next(60_999) + 1).toBe(16_000);
    backoff.connected(100_000);
    expect(backoff.next(160_000) + 1).toBe(500);
  });
});
