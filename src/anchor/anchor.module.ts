import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AnchorConfig } from '../config/anchor-config.js';
import { AnchorStore, LocalAnchorStore } from './anchor-store.js';

/** The S3 store (and the AWS SDK behind it) is loaded only when configured. */
async function createAnchorStore(config: AnchorConfig): Promise<AnchorStore> {
  if (config.driver === 'local') return new LocalAnchorStore(config.localDir);
  const [{ S3AnchorStore }, { S3ObjectStorage }] = await Promise.all([
    import('./s3-anchor-store.js'),
    import('../storage/s3.storage.js'),
  ]);
  return new S3AnchorStore(new S3ObjectStorage(config.s3), config.s3.bucket, config.retentionDays);
}

/** Provides the AnchorStore the configuration names (ANCHOR_STORAGE). */
@Module({
  providers: [
    {
      provide: AnchorStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createAnchorStore(config.anchors),
    },
  ],
  exports: [AnchorStore],
})
export class AnchorModule {}
