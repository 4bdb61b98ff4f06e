import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppProblem } from '../common/errors/problem.js';
import { acceptMediaUploads } from '../common/media/media-body.parser.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

export const evidenceTooLarge = (maxBytes: number, kind: 'photo' | 'video') =>
  new AppProblem(
    413,
    'dispute-evidence/too-large',
    'Evidence too large',
    `A ${kind} may have at most ${maxBytes} bytes`,
    { maxBytes },
  );

/**
 * The evidence route takes a JPEG, PNG, WebP, MP4 or WebM body of at most the photo or video limit
 * (413 `dispute-evidence/too-large` at once; src/common/media/media-body.parser.ts).
 */
@Injectable()
export class EvidenceBodyParser implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    acceptMediaUploads(this.adapterHost, {
      method: 'POST',
      url: '/disputes/:id/evidence',
      maxBytes: {
        image: this.config.disputes.imageMaxBytes,
        video: this.config.disputes.videoMaxBytes,
      },
      tooLarge: evidenceTooLarge,
    });
  }
}
