import { AppProblem } from './errors/problem.js';
import { cursorFields, decodeCursor, encodeCursor, parseKeysetCursor } from './pagination.js';

const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('cursors', () => {
  it('round-trip a position and are URL-safe', () => {
    const c = encodeCursor({ createdAt: '2026-11-26T04:00:00.000Z', id: 'ab/+=' });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual({ createdAt: '2026-11-26T04:00:00.000Z', id: 'ab/+=' });
  });

  it.each([
    '',
    '!!!',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('null').toString('base64url'),
  ])('rejects %j', (bad) => {
    expect(decodeCursor(bad)).toBeUndefined();
  });
});

describe('parseKeysetCursor', () => {
  const UUID = '0b5f5c1e-8d2a-4c61-9a43-2f7e3c9d1a00';
  const listing = { at: cursorFields.pgTimestamp, id: cursorFields.uuid };

  it('reads back every keyset format the lists encode', () => {
    // (timestamptz::text, uuid): adjustments, early releases, listings.
    const at = '2026-11-02 04:30:00.123456+00';
    expect(parseKeysetCursor(encodeCursor({ at, id: UUID }), listing)).toEqual({ at, id: UUID });
    // (ISO instant, uuid): payment views, orders.
    const iso = '2026-11-02T04:30:00.123456Z';
    expect(
      parseKeysetCursor(encodeCursor({ at: iso, id: UUID }), {
        at: cursorFields.isoTimestamp,
        id: cursorFields.uuid,
      }),
    ).toEqual({ at: iso, id: UUID });
    // (ISO instant, seq), a seq as text, a statement line, an account code, a block position.
    expect(
      parseKeysetCursor(encodeCursor({ at: iso, id: '42' }), {
        at: cursorFields.isoTimestamp,
        id: cursorFields.seqText,
      }),
    ).toEqual({ at: iso, id: '42' });
    expect(
      parseKeysetCursor(encodeCursor({ s: '7', l: 0 }), {
        s: cursorFields.seqText,
        l: cursorFields.integer(0, 32767),
      }),
    ).toEqual({ s: '7', l: 0 });
    expect(
      parseKeysetCursor(encodeCursor({ seq: 12 }), { seq: cursorFields.integer(1, 100) }),
    ).toEqual({ seq: 12 });
    expect(
      parseKeysetCursor(encodeCursor({ code: 'equity:capital' }), {
        code: cursorFields.matching(/^[a-z_:]+$/),
      }),
    ).toEqual({ code: 'equity:capital' });
    expect(
      parseKeysetCursor(encodeCursor({ u: 1.5e12, k: 'ip', v: '192.0.2.1' }), {
        u: cursorFields.number,
        k: cursorFields.oneOf(['ip', 'device'] as const),
        v: cursorFields.text,
      }),
    ).toEqual({ u: 1.5e12, k: 'ip', v: '192.0.2.1' });
  });

  it('has no position without a cursor', () => {
    expect(parseKeysetCursor(undefined, listing)).toBeUndefined();
  });

  it.each([
    ['not base64url JSON', 'xyz'],
    ['an array', raw([1])],
    ['a missing field', raw({ at: '2026-11-02 04:30:00+00' })],
    ['an extra field', raw({ at: '2026-11-02 04:30:00+00', id: UUID, x: 1 })],
    ['a malformed timestamp', raw({ at: '2026-11-02T04:30:00Z', id: UUID })],
    ['a malformed id', raw({ at: '2026-11-02 04:30:00+00', id: 'nope' })],
    ['a number for text', raw({ at: 1, id: UUID })],
  ])('refuses %s with 400 request/invalid-cursor naming the field', (_, cursor) => {
    let thrown: unknown;
    try {
      parseKeysetCursor(cursor, listing);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppProblem);
    expect(thrown).toMatchObject({
      status: 400,
      code: 'request/invalid-cursor',
      extensions: { errors: [{ field: 'cursor', in: 'query' }] },
    });
  });

  it('refuses integers out of range and seqs that are not positive decimal text', () => {
    const seq = { seq: cursorFields.seqText };
    for (const bad of ['0', '-1', '01', '1e3', '1234567890123456789', 3])
      expect(() => parseKeysetCursor(encodeCursor({ seq: bad }), seq)).toThrow(AppProblem);
    const line = { l: cursorFields.integer(0, 32767) };
    for (const bad of [-1, 32768, 1.5])
      expect(() => parseKeysetCursor(encodeCursor({ l: bad }), line)).toThrow(AppProblem);
  });
});
