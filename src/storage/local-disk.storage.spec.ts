import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer, text } from 'node:stream/consumers';
import { LocalDiskObjectStorage } from './local-disk.storage.js';
import { assertObjectKey, ObjectRangeError } from './object-storage.js';

describe('LocalDiskObjectStorage', () => {
  let root: string;
  let storage: LocalDiskObjectStorage;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fixbazaar-storage-'));
    storage = new LocalDiskObjectStorage(join(root, 'objects'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores, reads back (bytes, type, length), replaces and deletes an object', async () => {
    expect(await storage.get('listings/a/b')).toBeNull();
    await storage.put('listings/a/b', Buffer.from('first'), 'image/png');
    const got = await storage.get('listings/a/b');
    expect(got).toMatchObject({ contentType: 'image/png', contentLength: 5 });
    expect(await text(got!.body)).toBe('first');

    await storage.put('listings/a/b', Buffer.from('second!'), 'image/webp');
    const again = await storage.get('listings/a/b');
    expect(again).toMatchObject({ contentType: 'image/webp', contentLength: 7 });
    expect(await text(again!.body)).toBe('second!');
    // No temporary files left behind.
    expect(readdirSync(join(root, 'objects', 'listings', 'a')).sort()).toEqual(['b', 'b.meta']);

    await storage.delete('listings/a/b');
    expect(await storage.get('listings/a/b')).toBeNull();
    await expect(storage.delete('listings/a/b')).resolves.toBeUndefined();
  });

  it('refuses keys that could leave the directory or clash with its own files', async () => {
    writeFileSync(join(root, 'secret.txt'), 'outside');
    const bad = [
      '../secret.txt',
      'a/../../secret.txt',
      '/etc/passwd',
      'a//b',
      '',
      '.hidden',
      'a/./b',
      'a\\b',
      'a/b.meta',
      'x.tmp-1',
      `a/${'x'.repeat(129)}`,
      'ü',
    ];
    for (const key of bad) {
      expect(() => assertObjectKey(key)).toThrow(/invalid object key/);
      await expect(storage.get(key)).rejects.toThrow(/invalid object key/);
      await expect(storage.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow();
      await expect(storage.delete(key)).rejects.toThrow();
    }
    expect(() => assertObjectKey('listings/0f1e/9a8b-7c6d.v2_x')).not.toThrow();
  });

  it('reads a byte range: exactly those bytes, the end cut to the object, past it an error', async () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 251));
    await storage.put('disputes/d/e', bytes, 'video/mp4');
    const middle = await storage.get('disputes/d/e', { start: 10, end: 19 });
    expect(middle).toMatchObject({
      contentType: 'video/mp4',
      contentLength: 10,
      range: { start: 10, end: 19, size: 300 },
    });
    expect((await buffer(middle!.body)).equals(bytes.subarray(10, 20))).toBe(true);
    const one = await storage.get('disputes/d/e', { start: 0, end: 0 });
    expect([...(await buffer(one!.body))]).toEqual([0]);
    const tail = await storage.get('disputes/d/e', { start: 290, end: 10_000 });
    expect(tail).toMatchObject({ contentLength: 10, range: { start: 290, end: 299, size: 300 } });
    expect((await buffer(tail!.body)).equals(bytes.subarray(290))).toBe(true);
    await expect(storage.get('disputes/d/e', { start: 300, end: 400 })).rejects.toEqual(
      new ObjectRangeError(300),
    );
    await expect(storage.get('disputes/d/e', { start: 5, end: 4 })).rejects.toThrow(RangeError);
    await expect(storage.get('disputes/d/e', { start: -1, end: 4 })).rejects.toThrow(RangeError);
    expect(await storage.get('disputes/d/missing', { start: 0, end: 1 })).toBeNull();
    // The whole object still reads whole.
    expect((await buffer((await storage.get('disputes/d/e'))!.body)).equals(bytes)).toBe(true);
  });

  it('reads an object whose type sidecar is missing as application/octet-stream', async () => {
    await storage.put('k', Buffer.from('x'), 'image/jpeg');
    rmSync(join(root, 'objects', 'k.meta'));
    const got = await storage.get('k');
    expect(got).toMatchObject({ contentType: 'application/octet-stream' });
    got!.body.destroy();
  });
});
