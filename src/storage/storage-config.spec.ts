import { join } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import { ConfigError, loadConfig } from '../config/app-config.js';

const db = { DATABASE_URL: 'postgresql://app:pw@db.example:5432/fixbazaar' };
const s3 = {
  ...db,
  STORAGE_DRIVER: 's3',
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_BUCKET: 'fixbazaar-images',
  S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  S3_SECRET_ACCESS_KEY: 'super-secret-value',
};

const errorOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('storage configuration', () => {
  it('defaults to local disk under var/storage in the project root, and 5 MiB × 8 images', () => {
    const c = loadConfig(db);
    expect(c.storage).toEqual({ driver: 'local', localDir: join(projectRoot(), 'var', 'storage') });
    expect(c.catalog.images).toEqual({ maxBytes: 5 * 1024 * 1024, maxPerListing: 8 });
  });

  it('resolves a relative STORAGE_LOCAL_DIR against the project root and keeps an absolute one', () => {
    expect(loadConfig({ ...db, STORAGE_LOCAL_DIR: 'data/objects' }).storage).toEqual({
      driver: 'local',
      localDir: join(projectRoot(), 'data', 'objects'),
    });
    expect(loadConfig({ ...db, STORAGE_LOCAL_DIR: '/srv/objects' }).storage).toEqual({
      driver: 'local',
      localDir: '/srv/objects',
    });
  });

  it('reads the S3 settings (region us-east-1 and virtual-hosted style by default)', () => {
    expect(loadConfig(s3).storage).toEqual({
      driver: 's3',
      s3: {
        endpoint: 'http://127.0.0.1:9000',
        region: 'us-east-1',
        bucket: 'fixbazaar-images',
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'super-secret-value',
        forcePathStyle: false,
      },
    });
    const custom = loadConfig({ ...s3, S3_REGION: 'ap-south-1', S3_FORCE_PATH_STYLE: 'true' });
    expect(custom.storage).toMatchObject({ s3: { region: 'ap-south-1', forcePathStyle: true } });
  });

  it.each(['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'])(
    'refuses to start the s3 driver without %s, naming it',
    (name) => {
      expect(errorOf({ ...s3, [name]: '' })).toBe(
        `Invalid configuration: ${name}: required when STORAGE_DRIVER=s3`,
      );
    },
  );

  it('checks the endpoint, bucket name and region without echoing the secret', () => {
    expect(errorOf({ ...s3, S3_ENDPOINT: 'ftp://x' })).toMatch(
      /^Invalid configuration: S3_ENDPOINT: /,
    );
    expect(errorOf({ ...s3, S3_ENDPOINT: 'http://key:secret@minio:9000' })).toMatch(/S3_ENDPOINT/);
    expect(errorOf({ ...s3, S3_BUCKET: 'Bad_Bucket' })).toMatch(
      /^Invalid configuration: S3_BUCKET: /,
    );
    expect(errorOf({ ...s3, S3_REGION: 'Mumbai 1' })).toMatch(
      /^Invalid configuration: S3_REGION: /,
    );
    expect(errorOf({ ...s3, STORAGE_DRIVER: 'gcs' })).toMatch(/STORAGE_DRIVER/);
    expect(errorOf({ ...s3, S3_BUCKET: 'Bad_Bucket' })).not.toContain('super-secret-value');
  });

  it('bounds the image limits', () => {
    expect(errorOf({ ...db, LISTING_IMAGE_MAX_BYTES: '10' })).toMatch(/LISTING_IMAGE_MAX_BYTES/);
    expect(errorOf({ ...db, LISTING_IMAGES_MAX: '0' })).toMatch(/LISTING_IMAGES_MAX/);
    expect(
      loadConfig({ ...db, LISTING_IMAGE_MAX_BYTES: '2048', LISTING_IMAGES_MAX: '3' }).catalog
        .images,
    ).toEqual({ maxBytes: 2048, maxPerListing: 3 });
  });
});
