import { isAbsolute, join, resolve } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import type { Env } from './env.schema.js';
import { s3OptionsOf, type S3StorageOptions } from './storage-config.js';

/** Where integrity anchors are written: write-once files, or an S3 bucket with Object Lock. */
export type AnchorConfig =
  | { driver: 'local'; /** Absolute directory. */ localDir: string }
  | { driver: 's3'; s3: S3StorageOptions; retentionDays: number };

/**
 * ANCHOR_STORAGE (required in production; `local` elsewhere when unset). The local directory defaults
 * to `.local/anchors/<database name>`, so each database (every test file has its own) has its anchors.
 */
export function anchorConfigOf(
  e: Env,
  fail: (name: string, message: string) => never,
  databaseUrl: string,
): AnchorConfig {
  const driver = e.ANCHOR_STORAGE ?? (e.NODE_ENV === 'production' ? undefined : 'local');
  if (driver === undefined)
    return fail('ANCHOR_STORAGE', 'required in production (local or s3: where anchors are kept)');
  if (driver === 's3')
    return {
      driver,
      s3: s3OptionsOf(e, fail, 'ANCHOR_S3_BUCKET', 'required when ANCHOR_STORAGE=s3'),
      retentionDays: e.ANCHOR_RETENTION_DAYS,
    };
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || 'default';
  const dir = e.ANCHOR_LOCAL_DIR?.trim() || join('.local', 'anchors', database);
  return { driver, localDir: isAbsolute(dir) ? dir : resolve(projectRoot(), dir) };
}
