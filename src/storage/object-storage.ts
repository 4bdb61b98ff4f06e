import type { Readable } from 'node:stream';

/** An object read back from storage: its bytes as a stream, and the content type it was stored with. */
export interface StoredObject {
  body: Readable;
  contentType: string;
  /** Size in bytes, when the backend reports it. */
  contentLength: number | null;
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
  /** The object, or null when there is none under the key. */
  abstract get(key: string): Promise<StoredObject | null>;
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
