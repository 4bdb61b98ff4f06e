import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LocalDiskObjectStorage } from './local-disk.storage.js';
import { ObjectStorage } from './object-storage.js';
import { S3ObjectStorage } from './s3.storage.js';
import type { StorageConfig } from './storage-config.js';

export function createObjectStorage(config: StorageConfig): ObjectStorage {
  return config.driver === 'local'
    ? new LocalDiskObjectStorage(config.localDir)
    : new S3ObjectStorage(config.s3);
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
