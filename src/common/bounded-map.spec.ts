import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('keeps at most its limit, dropping the entry set longest ago', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 3); // a is now the newest
    m.set('c', 4);
    expect([m.get('a'), m.get('b'), m.get('c')]).toEqual([3, undefined, 4]);
    m.delete('a');
    expect(m.get('a')).toBeUndefined();
  });
});
