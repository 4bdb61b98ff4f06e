import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AnchorStore, createAnchorStore } from './anchor-store.js';

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
