import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LocalDiskObjectStorage } from './local-disk.storage.js';
import { ObjectStorage } from './object-storage.js';
import type { StorageConfig } from '../config/storage-config.js';

/** The S3 adapter (and the AWS SDK behind it) is loaded only when configured. */
export async function createObjectStorage(config: StorageConfig): Promise<ObjectStorage> {
  if (config.driver === 'local') return new LocalDiskObjectStorage(config.localDir);
  const { S3ObjectStorage } = await import('./s3.storage.js');
  return new S3ObjectStorage(config.s3);
}

/** Provides the ObjectStorage port, backed by the adapter the configuration names. */
@Module({
  providers: [
    {
      provide: ObjectStorage,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createObjectStorage(config.storage),
    },
  ],
  exports: [ObjectStorage],
})
export class StorageModule {}
