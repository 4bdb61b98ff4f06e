import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The two chains anchored: the audit log's signed heads and the ledger's seals. */
export type AnchorKind = 'audit' | 'ledger';

/** An anchor read back: its key (file or object name) and its JSON document. */
export interface StoredAnchor {
  key: string;
  doc: unknown;
}

/** An anchor is written once: a second write under the same key is refused. */
export class AnchorExistsError extends Error {
  constructor(readonly key: string) {
    super(`anchor ${key} already exists; anchors are never overwritten`);
    this.name = 'AnchorExistsError';
  }
}

/** Positions as fixed-width numbers counting down, so the newest anchor is the first key in order. */
const WIDTH = 20;
const TOP = 10n ** BigInt(WIDTH) - 1n;

/** `audit/<TOP - position>.json`: listing in key order yields the newest (highest position) first. */
export function anchorKey(kind: AnchorKind, position: bigint): string {
  if (position < 0n || position > TOP) throw new RangeError(`anchor position ${position}`);
  return `${kind}/${(TOP - position).toString().padStart(WIDTH, '0')}.json`;
}

/**
 * Append-only storage of integrity anchors outside PostgreSQL. Local: files created exclusively
 * (`wx`), never replaced. S3: `If-None-Match: *` PUTs locked in compliance mode until the retention
 * ends, so not even the bucket's owner can delete or overwrite them.
 */
export abstract class AnchorStore {
  abstract readonly description: string;
  /** Writes the document under `key`; AnchorExistsError when the key is taken. */
  abstract write(key: string, doc: unknown): Promise<void>;
  /** The newest anchor of the kind (the first key in order), or null when there is none yet. */
  abstract latest(kind: AnchorKind): Promise<StoredAnchor | null>;

  /** `latest`, its document checked by `isDoc` (throws naming the key when it is not `what`). */
  async latestOf<T>(
    kind: AnchorKind,
    isDoc: (doc: unknown) => doc is T,
    what: string,
  ): Promise<{ key: string; doc: T } | null> {
    const stored = await this.latest(kind);
    if (stored === null) return null;
    if (!isDoc(stored.doc)) throw new Error(`${kind} anchor ${stored.key} is not ${what}`);
    return { key: stored.key, doc: stored.doc };
  }
}

export function anchorBytes(doc: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
}

export class LocalAnchorStore extends AnchorStore {
  constructor(readonly dir: string) {
    super();
  }

  get description(): string {
    return `local directory ${this.dir}`;
  }

  async write(key: string, doc: unknown): Promise<void> {
    const file = join(this.dir, key);
    await mkdir(join(file, '..'), { recursive: true });
    try {
      await writeFile(file, anchorBytes(doc), { flag: 'wx', mode: 0o444 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AnchorExistsError(key);
      throw err;
    }
  }

  async latest(kind: AnchorKind): Promise<StoredAnchor | null> {
    const names = await readdir(join(this.dir, kind)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const first = names.filter((n) => /^\d{20}\.json$/.test(n)).sort()[0];
    if (first === undefined) return null;
    const key = `${kind}/${first}`;
    return { key, doc: JSON.parse(await readFile(join(this.dir, key), 'utf8')) as unknown };
  }
}
