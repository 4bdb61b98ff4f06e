import { byOrdinal, StatementBatcher } from './statement-batcher.js';

/** A `run` whose batches the test answers by hand. */
function manual() {
  const batches: { items: string[]; answer: (out: string[]) => void; fail: (e: Error) => void }[] =
    [];
  const run = (items: string[]) =>
    new Promise<string[]>((resolve, reject) =>
      batches.push({ items, answer: resolve, fail: reject }),
    );
  return { batches, run };
}
const key = (item: string) => item.split(':')[0]!;
const tick = () => new Promise((r) => setImmediate(r));

describe('StatementBatcher', () => {
  it('runs a call at once when a slot is free, and batches what arrives while it is in flight', async () => {
    const m = manual();
    const b = new StatementBatcher(m.run, { key, maxBatch: 10, concurrency: 1 });
    const first = b.call('a:1');
    expect(m.batches.map((x) => x.items)).toEqual([['a:1']]);
    const later = ['b:1', 'c:1', 'd:1'].map((i) => b.call(i));
    expect(m.batches).toHaveLength(1);
    m.batches[0]!.answer(['A1']);
    await expect(first).resolves.toBe('A1');
    await tick();
    expect(m.batches.map((x) => x.items)).toEqual([['a:1'], ['b:1', 'c:1', 'd:1']]);
    m.batches[1]!.answer(['B1', 'C1', 'D1']);
    await expect(Promise.all(later)).resolves.toEqual(['B1', 'C1', 'D1']);
  });

  it('keeps at most one call per key in flight, in arrival order', async () => {
    const m = manual();
    const b = new StatementBatcher(m.run, { key, maxBatch: 10, concurrency: 2 });
    const calls = ['a:1', 'a:2', 'b:1', 'c:1', 'a:3'].map((i) => b.call(i));
    // a:1 runs at once; a:2 may not while a:1 is in flight; b:1 takes the second slot.
    expect(m.batches.map((x) => x.items)).toEqual([['a:1'], ['b:1']]);
    m.batches[1]!.answer(['B1']);
    await tick();
    expect(m.batches.map((x) => x.items)[2]).toEqual(['c:1']);
    m.batches[0]!.answer(['A1']);
    await tick();
    expect(m.batches.map((x) => x.items)[3]).toEqual(['a:2']);
    m.batches[2]!.answer(['C1']);
    await tick();
    expect(m.batches).toHaveLength(4); // a:3 waits for a:2
    m.batches[3]!.answer(['A2']);
    await tick();
    expect(m.batches.map((x) => x.items)[4]).toEqual(['a:3']);
    m.batches[4]!.answer(['A3']);
    await expect(Promise.all(calls)).resolves.toEqual(['A1', 'A2', 'B1', 'C1', 'A3']);
  });

  it('puts at most maxBatch calls in a batch', async () => {
    const m = manual();
    const b = new StatementBatcher(m.run, { key, maxBatch: 2, concurrency: 1 });
    const calls = ['x:1', 'y:1', 'z:1', 'w:1'].map((i) => b.call(i));
    m.batches[0]!.answer(['X']);
    await tick();
    m.batches[1]!.answer(['Y', 'Z']);
    await tick();
    m.batches[2]!.answer(['W']);
    await expect(Promise.all(calls)).resolves.toEqual(['X', 'Y', 'Z', 'W']);
    expect(m.batches.map((x) => x.items)).toEqual([['x:1'], ['y:1', 'z:1'], ['w:1']]);
  });

  it('fails every call of a failed batch with its error, and goes on with the next', async () => {
    const m = manual();
    const b = new StatementBatcher(m.run, { key, maxBatch: 10, concurrency: 1 });
    const first = b.call('a:1');
    const second = [b.call('b:1'), b.call('c:1')];
    m.batches[0]!.fail(new Error('deadlock'));
    await expect(first).rejects.toThrow('deadlock');
    await tick();
    m.batches[1]!.fail(new Error('gone'));
    await Promise.all(second.map((c) => expect(c).rejects.toThrow('gone')));
    const third = b.call('d:1');
    m.batches[2]!.answer(['D1']);
    await expect(third).resolves.toBe('D1');
  });

  it('refuses an answer that does not match its batch', async () => {
    const m = manual();
    const b = new StatementBatcher(m.run, { key, maxBatch: 10, concurrency: 1 });
    const first = b.call('a:1');
    m.batches[0]!.answer([]);
    await expect(first).rejects.toThrow('a batch of 1 was answered with 0 results');
  });

  it('puts a statement’s rows back in its items’ order, with none where no row came back', () => {
    const rows = [
      { i: 3, v: 'c' },
      { i: 1, v: 'a' },
    ];
    expect(byOrdinal(rows, 4)).toEqual([{ i: 1, v: 'a' }, undefined, { i: 3, v: 'c' }, undefined]);
  });
});
