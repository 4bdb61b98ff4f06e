import { buffer } from 'node:stream/consumers';
import { S3ObjectStorage, S3StorageError } from '../storage/s3.storage.js';
import {
  AnchorExistsError,
  anchorBytes,
  AnchorStore,
  type AnchorKind,
  type StoredAnchor,
} from './anchor-store.js';

/** Anchors in an S3 bucket with Object Lock: write-once, locked in compliance mode (see AnchorStore). */
export class S3AnchorStore extends AnchorStore {
  constructor(
    private readonly s3: S3ObjectStorage,
    private readonly bucket: string,
    private readonly retentionDays: number,
  ) {
    super();
  }

  get description(): string {
    return `S3 bucket ${this.bucket} (Object Lock, compliance mode, ${this.retentionDays} days)`;
  }

  async write(key: string, doc: unknown): Promise<void> {
    try {
      await this.s3.putObject(key, anchorBytes(doc), 'application/json', {
        ifNoneMatch: true,
        retainUntil: new Date(Date.now() + this.retentionDays * 86_400_000),
      });
    } catch (err) {
      if (err instanceof S3StorageError && err.status === 412) throw new AnchorExistsError(key);
      throw err;
    }
  }

  /** Closes the S3 client's connections when the application closes. */
  onModuleDestroy(): void {
    this.s3.destroy();
  }

  async latest(kind: AnchorKind): Promise<StoredAnchor | null> {
    const key = await this.s3.firstKey(`${kind}/`);
    if (key === null) return null;
    const object = await this.s3.get(key);
    if (object === null) return null;
    return { key, doc: JSON.parse((await buffer(object.body)).toString('utf8')) as unknown };
  }
}
