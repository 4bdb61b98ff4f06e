import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppProblem } from '../common/errors/problem.js';
import { acceptMediaUploads } from '../common/media/media-body.parser.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

export const kycDocumentTooLarge = (maxBytes: number) =>
  new AppProblem(
    413,
    'kyc-document/too-large',
    'File too large',
    `A KYC document may have at most ${maxBytes} bytes`,
    { maxBytes },
  );

/**
 * The KYC upload route takes a JPEG, PNG, WebP or PDF body of at most KYC_DOCUMENT_MAX_BYTES (413
 * `kyc-document/too-large` at once; a video is refused unread: src/common/media/media-body.parser.ts).
 */
@Injectable()
export class KycDocumentBodyParser implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    acceptMediaUploads(this.adapterHost, {
      method: 'PUT',
      url: '/me/kyc-documents/:kind',
      maxBytes: { image: this.config.kyc.maxBytes, pdf: this.config.kyc.maxBytes },
      tooLarge: kycDocumentTooLarge,
    });
  }
}
