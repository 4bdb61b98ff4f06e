import { ExpiringMap } from './expiring-map.js';

describe('ExpiringMap', () => {
  it('forgets entries when they expire', () => {
    let now = 0;
    const m = new ExpiringMap<number>(10, () => now);
    m.set('a', 1, 100);
    expect(m.get('a')).toBe(1);
    now = 100;
    expect(m.get('a')).toBeUndefined();
    expect(m.size).toBe(0);
  });

  it('never holds more than its cap: expired entries go first, then the oldest', () => {
    let now = 0;
    const m = new ExpiringMap<number>(100, () => now);
    for (let i = 0; i < 50; i++) m.set(`short${i}`, i, 10);
    now = 20;
    for (let i = 0; i < 10_000; i++) m.set(`k${i}`, i, 1_000);
    expect(m.size).toBeLessThanOrEqual(100);
    expect(m.get('k9999')).toBe(9999);
    expect(m.get('k0')).toBeUndefined();
  });
});
