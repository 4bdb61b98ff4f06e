import type { Readable } from 'node:stream';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  IMAGE_UPLOAD_ROUTE,
  imageBodyParser,
} from '../catalog/images/listing-image-body.parser.js';
import { mediaTypeOf } from '../catalog/domain/listing-image.js';
import { type BodyDone, readBoundedBody } from '../common/bounded-body.js';
import { AppProblem } from '../common/errors/problem.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EVIDENCE_CONTENT_TYPES, isVideo } from './evidence-type.js';

/** The one route that takes raw evidence bytes (Fastify's form of the path). */
export const EVIDENCE_UPLOAD_ROUTE = { method: 'POST', url: '/disputes/:id/evidence' };

export const evidenceTooLarge = (maxBytes: number, kind: 'photo' | 'video') =>
  new AppProblem(
    413,
    'dispute-evidence/too-large',
    'Evidence too large',
    `A ${kind} may have at most ${maxBytes} bytes`,
    { maxBytes },
  );

/**
 * Reads a JPEG, PNG, WebP, MP4 or WebM body into a Buffer for the evidence route, at most the
 * photo or video limit (413 `dispute-evidence/too-large` at once, a declared Content-Length over it
 * before reading). Registered for those exact media types, so it is asked before the listing images'
 * `image/*` parser: the listing upload route's image bodies are handed to that parser unchanged,
 * and any other route gets 415 as it would without this parser.
 */
export function evidenceBodyParser(limits: { image: number; video: number; listingImage: number }) {
  const listingImages = imageBodyParser(limits.listingImage);
  return (request: FastifyRequest, payload: Readable, done: BodyDone): void => {
    if (request.is404) return done(null, undefined);
    const type = mediaTypeOf(request.headers['content-type']);
    const onEvidenceRoute =
      request.method === EVIDENCE_UPLOAD_ROUTE.method &&
      request.routeOptions.url === EVIDENCE_UPLOAD_ROUTE.url;
    if (!onEvidenceRoute) {
      if (
        type.startsWith('image/') &&
        request.method === IMAGE_UPLOAD_ROUTE.method &&
        request.routeOptions.url === IMAGE_UPLOAD_ROUTE.url
      )
        return listingImages(request, payload, done);
      return done(
        new AppProblem(
          415,
          'request/unsupported-media-type',
          'Unsupported media type',
          `Unsupported Media Type: ${type}`,
        ),
      );
    }
    const video = isVideo(type);
    const maxBytes = video ? limits.video : limits.image;
    readBoundedBody(
      request,
      payload,
      maxBytes,
      () => evidenceTooLarge(maxBytes, video ? 'video' : 'photo'),
      done,
    );
  };
}

/** Registers the evidence body parser when the module starts (nothing to do in a preview build). */
@Injectable()
export class EvidenceBodyParser implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser(EVIDENCE_CONTENT_TYPES[0])) return;
    fastify.addContentTypeParser(
      [...EVIDENCE_CONTENT_TYPES],
      evidenceBodyParser({
        image: this.config.disputes.imageMaxBytes,
        video: this.config.disputes.videoMaxBytes,
        listingImage: this.config.catalog.images.maxBytes,
      }),
    );
  }
}
