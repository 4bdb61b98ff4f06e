import { decodeCursor, encodeCursor } from './pagination.js';

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
