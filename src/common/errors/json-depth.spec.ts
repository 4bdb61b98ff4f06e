import { jsonNestsDeeperThan } from './json-depth.js';

const deeper = (text: string, max: number) => jsonNestsDeeperThan(Buffer.from(text, 'utf8'), max);

describe('jsonNestsDeeperThan', () => {
  it('counts arrays and objects alike, up to and past the cap', () => {
    expect(deeper('[[1]]', 2)).toBe(false);
    expect(deeper('[[[1]]]', 2)).toBe(true);
    expect(deeper('{"a":{"b":[]}}', 3)).toBe(false);
    expect(deeper('{"a":{"b":[{}]}}', 3)).toBe(true);
    // Siblings do not add up.
    expect(deeper('[[1],[2],{"a":[3]}]', 3)).toBe(false);
    expect(deeper('"plain"', 0)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes and multi-byte text included', () => {
    expect(deeper('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(deeper('{"a":"\\"[[[[\\\\"}', 1)).toBe(false);
    // After an escaped backslash the quote closes the string, so the bracket after it counts.
    expect(deeper('["\\\\",[1]]', 1)).toBe(true);
    expect(deeper('{"नाम":"[₹{","b":[]}', 2)).toBe(false);
  });

  it('stops at the first level too deep, however long the rest of the body', () => {
    const body = Buffer.from('['.repeat(400_000) + ']'.repeat(400_000));
    const started = performance.now();
    expect(jsonNestsDeeperThan(body, 32)).toBe(true);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
