import type { Readable } from 'node:stream';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type BodyDone, readBoundedBody } from '../../common/bounded-body.js';
import { AppProblem } from '../../common/errors/problem.js';
import { acceptMediaUploads } from '../../common/media/media-body.parser.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { imageTooLarge } from './listing-images.service.js';

/** The one route that takes raw image bytes (Fastify's form of the path). */
export const IMAGE_UPLOAD_ROUTE = {
  method: 'POST' as const,
  url: '/dealer/listings/:listingId/images',
};

/**
 * Bodies read by this parser: any `image/*` and `application/octet-stream`, so that the upload route
 * answers every wrong type of raw body itself (415 `listing-image/unsupported-type`).
 */
const IMAGE_BODY_TYPES = /^(?:image\/|application\/octet-stream)/;

/**
 * Reads an `image/*` (or `application/octet-stream`) request body into a Buffer of at most
 * `maxBytes` (LISTING_IMAGE_MAX_BYTES), for the upload route only: beyond the limit it answers 413
 * `listing-image/too-large` at once (a declared Content-Length over it is refused before reading).
 * On other routes such a body is refused as Fastify would without this parser (415), unread.
 * Parsing runs before the route's guard: an oversized body is a 413 even for a caller who would
 * get 401/403 (as with the global HTTP_BODY_LIMIT_BYTES for JSON).
 */
export function imageBodyParser(maxBytes: number) {
  return (request: FastifyRequest, payload: Readable, done: BodyDone): void => {
    if (request.is404) return done(null, undefined);
    if (
      request.method !== IMAGE_UPLOAD_ROUTE.method ||
      request.routeOptions.url !== IMAGE_UPLOAD_ROUTE.url
    )
      return done(
        new AppProblem(
          415,
          'request/unsupported-media-type',
          'Unsupported media type',
          `Unsupported Media Type: ${request.headers['content-type'] ?? ''}`,
        ),
      );
    readBoundedBody(request, payload, maxBytes, () => imageTooLarge(maxBytes), done);
  };
}

/**
 * Registers the image body parser on the Fastify instance when the module starts (before the
 * server listens), and the upload route with the shared media body parser, which reads the JPEG,
 * PNG and WebP types (src/common/media/media-body.parser.ts). With a preview build (openapi
 * generation) providers do not run: nothing to do.
 */
@Injectable()
export class ListingImageBodyParser implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser(IMAGE_BODY_TYPES)) return;
    const maxBytes = this.config.catalog.images.maxBytes;
    fastify.addContentTypeParser(IMAGE_BODY_TYPES, imageBodyParser(maxBytes));
    acceptMediaUploads(this.adapterHost, {
      ...IMAGE_UPLOAD_ROUTE,
      maxBytes: { image: maxBytes },
      tooLarge: (max) => imageTooLarge(max),
    });
  }
}
