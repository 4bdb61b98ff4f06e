import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppProblem } from '../common/errors/problem.js';
import { acceptMediaUploads } from '../common/media/media-body.parser.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

export const repairMediaTooLarge = (maxBytes: number, kind: 'photo' | 'video') =>
  new AppProblem(
    413,
    'repair-media/too-large',
    'File too large',
    `A ${kind} may have at most ${maxBytes} bytes`,
    { maxBytes },
  );

/**
 * The repair media route takes a JPEG, PNG, WebP, MP4 or WebM body of at most the photo or video
 * limit (413 `repair-media/too-large` at once; src/common/media/media-body.parser.ts).
 */
@Injectable()
export class RepairMediaBodyParser implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const { imageMaxBytes, videoMaxBytes } = this.config.repairs.media;
    acceptMediaUploads(this.adapterHost, {
      method: 'POST',
      url: '/repairs/:repairJobId/media',
      maxBytes: { image: imageMaxBytes, video: videoMaxBytes },
      tooLarge: repairMediaTooLarge,
    });
  }
}
