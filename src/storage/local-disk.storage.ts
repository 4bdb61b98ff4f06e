import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import {
  assertByteRange,
  assertObjectKey,
  ObjectRangeError,
  ObjectStorage,
  type ByteRange,
  type StoredObject,
} from './object-storage.js';

const isMissing = (err: unknown): boolean => (err as { code?: unknown }).code === 'ENOENT';

/**
 * Objects as files under one directory: `<root>/<key>`, with the content type in a `<key>.meta`
 * sidecar. Writes go to a temporary file renamed into place, so a reader never sees half an object.
 * Keys are checked (assertObjectKey) and the resolved path must stay inside the root.
 */
export class LocalDiskObjectStorage extends ObjectStorage {
  readonly driver = 'local' as const;
  private readonly root: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  /** The file of a key; throws for a key that is not valid or would leave the root. */
  pathOf(key: string): string {
    assertObjectKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error('object key escapes the storage root');
    return path;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${randomUUID()}`;
    try {
      await writeFile(`${tmp}.meta`, JSON.stringify({ contentType }));
      await writeFile(tmp, bytes);
      await rename(`${tmp}.meta`, `${path}.meta`);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      await rm(`${tmp}.meta`, { force: true });
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    if (range) assertByteRange(range);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      if (range && range.start >= size) throw new ObjectRangeError(size);
      let contentType = 'application/octet-stream';
      try {
        const meta = JSON.parse(await readFile(`${path}.meta`, 'utf8')) as {
          contentType?: unknown;
        };
        if (typeof meta.contentType === 'string') contentType = meta.contentType;
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
      // The stream owns the handle from here on and closes it when done.
      if (!range) {
        const body = createReadStream(path, { fd: handle, autoClose: true });
        handle = undefined;
        return { body, contentType, contentLength: size };
      }
      const { start } = range;
      const end = Math.min(range.end, size - 1);
      const body = createReadStream(path, { fd: handle, autoClose: true, start, end });
      handle = undefined;
      return { body, contentType, contentLength: end - start + 1, range: { start, end, size } };
    } finally {
      await handle?.close();
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await rm(`${path}.meta`, { force: true });
  }
}
