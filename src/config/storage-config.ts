import { isAbsolute, join, resolve } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import type { Env } from './env.schema.js';

export interface S3StorageOptions {
  /** Base URL of the service, e.g. `https://s3.ap-south-1.amazonaws.com` or `http://127.0.0.1:9000`. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint host>/<key>` (MinIO, most self-hosted services). */
  forcePathStyle: boolean;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

export type StorageConfig =
  | { driver: 'local'; /** Absolute directory holding the objects. */ localDir: string }
  | { driver: 's3'; s3: S3StorageOptions };

/** S3 bucket naming rules (lower-case letters, digits, dots and hyphens; 3–63 characters). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The object storage settings: local disk (STORAGE_LOCAL_DIR, relative to the project root, default
 * `var/storage`) or S3, which needs S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.
 * `fail` reports a bad variable by name (never echoing a secret).
 */
export function storageConfigOf(
  e: Env,
  fail: (name: string, message: string) => never,
): StorageConfig {
  if (e.STORAGE_DRIVER === 'local') {
    const dir = e.STORAGE_LOCAL_DIR?.trim() || join('var', 'storage');
    return { driver: 'local', localDir: isAbsolute(dir) ? dir : resolve(projectRoot(), dir) };
  }
  return { driver: 's3', s3: s3OptionsOf(e, fail, 'S3_BUCKET', 'required when STORAGE_DRIVER=s3') };
}

/**
 * The S3 connection settings (S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
 * S3_FORCE_PATH_STYLE) with the bucket named by `bucketVar`; `why` says when a missing one is required.
 */
export function s3OptionsOf(
  e: Env,
  fail: (name: string, message: string) => never,
  bucketVar: 'S3_BUCKET' | 'ANCHOR_S3_BUCKET',
  why: string,
): S3StorageOptions {
  const need = (
    name: 'S3_ENDPOINT' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | typeof bucketVar,
  ) => e[name]?.trim() || fail(name, why);
  const endpoint = need('S3_ENDPOINT');
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username)
    fail('S3_ENDPOINT', 'must be an http:// or https:// URL without query or credentials');
  const bucket = need(bucketVar);
  if (!BUCKET.test(bucket))
    fail(bucketVar, 'must be 3-63 lower-case letters, digits, dots or hyphens');
  return {
    endpoint,
    region: e.S3_REGION,
    bucket,
    accessKeyId: need('S3_ACCESS_KEY_ID'),
    secretAccessKey: need('S3_SECRET_ACCESS_KEY'),
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
  };
}
