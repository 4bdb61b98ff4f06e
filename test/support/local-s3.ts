import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/**
 * s3rver's built-in credentials: it checks that the access key id exists (403 InvalidAccessKeyId
 * otherwise) but does not verify SigV4 signatures, If-None-Match on PUT or Object Lock.
 */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

/** A local S3-compatible server (s3rver) on a random port, objects in a temporary directory. */
export async function startLocalS3(bucket = 'fixbazaar-test'): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'fixbazaar-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
