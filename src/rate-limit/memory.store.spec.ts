import { MemoryRateLimitStore } from './memory.store.js';

describe('MemoryRateLimitStore', () => {
  const rule = { threshold: 3, decayMs: 30_000, blockMs: 60_000 };
  const ip = { kind: 'ip' as const, value: '203.0.113.7' };

  it('blocks at the threshold, once, wiping the penalty; lifts on request', async () => {
    let now = 1_000;
    const store = new MemoryRateLimitStore(1000, () => now);
    expect((await store.addPenalty(ip, 1, rule)).penalty).toBe(1);
    now += 10_000; // one point decayed
    expect((await store.addPenalty(ip, 1, rule)).penalty).toBe(1);
    expect((await store.addPenalty(ip, 1, rule)).blocked).toBeNull();
    const third = await store.addPenalty(ip, 1, rule);
    expect(third.blocked).toEqual({ ...ip, blockedAt: now, until: now + 60_000, penalty: 3 });
    expect((await store.addPenalty(ip, 1, rule)).blocked).toBeNull(); // already blocked
    expect(await store.blockedFor([ip, { kind: 'fingerprint', value: 'f' }])).toBe(60_000);
    expect(await store.listBlocks(10)).toHaveLength(1);
    expect(await store.removeBlock(ip)).toMatchObject(ip);
    expect(await store.blockedFor([ip])).toBe(0);
    expect((await store.addPenalty(ip, 1, rule)).penalty).toBe(1); // a fresh start
  });

  it('ends blocks by themselves', async () => {
    let now = 0;
    const store = new MemoryRateLimitStore(1000, () => now);
    await store.addPenalty(ip, 5, rule);
    now += 59_999;
    expect(await store.blockedFor([ip])).toBe(1);
    now += 1;
    expect(await store.blockedFor([ip])).toBe(0);
    expect(await store.listBlocks(10)).toEqual([]);
  });

  it('lists blocks latest-ending first, paging after a position', async () => {
    let now = 0;
    const store = new MemoryRateLimitStore(1000, () => now);
    for (const value of ['a', 'b', 'c']) {
      await store.addPenalty({ kind: 'ip', value }, 5, rule);
      now += 1_000;
    }
    const all = await store.listBlocks(10);
    expect(all.map((b) => b.value)).toEqual(['c', 'b', 'a']);
    const rest = await store.listBlocks(10, all[0]);
    expect(rest.map((b) => b.value)).toEqual(['b', 'a']);
  });
});
