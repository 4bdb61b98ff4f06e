import type { Readable } from 'node:stream';

/** An object read back from storage: its bytes as a stream, and the content type it was stored with. */
export interface StoredObject {
  body: Readable;
  contentType: string;
  /** Size in bytes of `body` (of the range, for a ranged read), when the backend reports it. */
  contentLength: number | null;
  /** For a ranged read: the bytes `body` holds (both inclusive) and the whole object's size. */
  range?: { start: number; end: number; size: number };
}

/** Bytes `start` to `end` of an object, both inclusive (as in an HTTP Range). */
export interface ByteRange {
  start: number;
  end: number;
}

/** A ranged read that starts at or past the end of the object (`size` bytes, when known). */
export class ObjectRangeError extends Error {
  constructor(readonly size: number | null) {
    super(`the range starts past the end of the object (${size ?? 'unknown'} bytes)`);
    this.name = 'ObjectRangeError';
  }
}

/** Throws unless `range` is two safe integers with 0 ≤ start ≤ end. */
export function assertByteRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
    throw new RangeError(`invalid byte range ${start}-${end}`);
}

/**
 * The object storage port: opaque keys to bytes plus a content type. Adapters: local disk (default)
 * and any S3-compatible service (storage.module.ts picks one from the configuration). Callers own
 * their key scheme; keys are `/`-separated segments of `[A-Za-z0-9._-]` (see assertObjectKey).
 */
export abstract class ObjectStorage {
  abstract readonly driver: 'local' | 's3';
  /** Stores the bytes under the key, replacing any object already there. */
  abstract put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /**
   * The object, or null when there is none under the key. With `range`, only those bytes (an `end`
   * past the object's end reads to its end; a `start` at or past it throws ObjectRangeError).
   */
  abstract get(key: string, range?: ByteRange): Promise<StoredObject | null>;
  /** Deletes the object; deleting a missing one is not an error. */
  abstract delete(key: string): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Throws unless `key` is a safe object key: 1–16 `/`-separated segments, each starting with a letter
 * or digit and made of letters, digits, `.`, `_` and `-` (so no `..`, no absolute path, no empty
 * segment), at most 512 characters, not ending in the local adapter's reserved `.meta` suffix.
 */
export function assertObjectKey(key: string): void {
  const segments = key.split('/');
  if (
    key.length > 512 ||
    segments.length > 16 ||
    !segments.every((s) => SEGMENT.test(s)) ||
    key.endsWith('.meta') ||
    key.includes('.tmp-')
  )
    throw new Error(`invalid object key ${JSON.stringify(key.slice(0, 100))}`);
}
