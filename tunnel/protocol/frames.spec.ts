import { encodeFrame, FrameError, FrameReader, MAX_FRAME_BYTES } from './frames.js';

describe('tunnel frames', () => {
  it('reads frames split anywhere and hands back the bytes after them', () => {
    const bytes = Buffer.concat([
      encodeFrame({ t: 'PING', n: 1, ticket: 't' }),
      encodeFrame({ t: 'ATTACH', sid: 's', role: 'customer', secret: 'x', cid: 'c' }),
      Buffer.from('raw bytes'),
    ]);
    const reader = new FrameReader();
    const frames = [];
    for (let i = 0; i < bytes.length; i += 3) {
      reader.push(bytes.subarray(i, i + 3));
      for (let f = reader.next(); f; f = reader.next()) frames.push(f);
      if (frames.length === 2) {
        reader.push(bytes.subarray(i + 3));
        break;
      }
    }
    expect(frames.map((f) => f.t)).toEqual(['PING', 'ATTACH']);
    expect(reader.rest().toString()).toBe('raw bytes');
  });

  it('refuses oversized, non-JSON and untyped frames', () => {
    const big = Buffer.alloc(4);
    big.writeUInt32BE(MAX_FRAME_BYTES + 1);
    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('abc')]);
    const untyped = Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.from('{}')]);
    for (const bytes of [big, notJson, untyped]) {
      const reader = new FrameReader();
      reader.push(bytes);
      expect(() => reader.next()).toThrow(FrameError);
    }
  });
});
