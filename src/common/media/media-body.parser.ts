/**
 * Raw photo, video and PDF bodies (JPEG, PNG, WebP, MP4, WebM; PDF for KYC documents only) for the
 * upload routes that take them: listing images, dispute evidence, repair media, KYC documents. Fastify has one parser per content
 * type, so each module registers its route here when it starts (`acceptMediaUploads`) and the one
 * parser reads the body for a registered route, at most that route's photo or video limit (its own
 * 413 at once beyond it, a declared Content-Length over it before reading). Any other route gets 415
 * for such a body, unread, as it would without the parser. The exact media types are asked before a
 * `image/*` parser (the listing images' one, for the other image types).
 */
import type { Readable } from 'node:stream';
import type { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type BodyDone, readBoundedBody } from '../bounded-body.js';
import { AppProblem } from '../errors/problem.js';
import { isVideo, MEDIA_CONTENT_TYPES, mediaTypeOf } from './media-type.js';
import { PDF_CONTENT_TYPE } from './pdf-check.js';

type UploadKind = 'photo' | 'video' | 'document';

/** A route taking raw media bytes (Fastify's form of the path) and its limits. */
export interface MediaUploadRoute {
  method: 'POST' | 'PUT';
  url: string;
  /**
   * Largest photo, video and PDF in bytes; a route without `video` refuses videos (415), one
   * without `pdf` PDFs.
   */
  maxBytes: { image: number; video?: number; pdf?: number };
  /**
   * The route's 413 problem. `kind` is only ever one the route takes, so a route's function may name
   * fewer kinds (declared as a method, whose parameters TypeScript checks bivariantly, for that).
   */
  tooLarge(maxBytes: number, kind: UploadKind): AppProblem;
}

const unsupportedMediaType = (type: string) =>
  new AppProblem(
    415,
    'request/unsupported-media-type',
    'Unsupported media type',
    `Unsupported Media Type: ${type}`,
  );

/** The body parser over the routes registered on one Fastify instance (read at each request). */
function mediaBodyParser(routes: readonly MediaUploadRoute[]) {
  return (request: FastifyRequest, payload: Readable, done: BodyDone): void => {
    if (request.is404) return done(null, undefined);
    const type = mediaTypeOf(request.headers['content-type']);
    const route = routes.find(
      (r) => r.method === request.method && r.url === request.routeOptions.url,
    );
    const kind: UploadKind =
      type === PDF_CONTENT_TYPE ? 'document' : isVideo(type) ? 'video' : 'photo';
    const maxBytes = {
      photo: route?.maxBytes.image,
      video: route?.maxBytes.video,
      document: route?.maxBytes.pdf,
    }[kind];
    if (route === undefined || maxBytes === undefined) return done(unsupportedMediaType(type));
    readBoundedBody(request, payload, maxBytes, () => route.tooLarge(maxBytes, kind), done);
  };
}

const routesByServer = new WeakMap<FastifyInstance, MediaUploadRoute[]>();

/**
 * Lets `route` take raw media bodies on the application's server (the parser is added with the
 * first route). Call from a provider's onModuleInit; with a preview build (openapi generation)
 * there is no server and nothing to do.
 */
export function acceptMediaUploads(adapterHost: HttpAdapterHost, route: MediaUploadRoute): void {
  const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
  if (!fastify) return;
  let routes = routesByServer.get(fastify);
  if (routes === undefined) {
    routes = [];
    routesByServer.set(fastify, routes);
    fastify.addContentTypeParser(
      [...MEDIA_CONTENT_TYPES, PDF_CONTENT_TYPE],
      mediaBodyParser(routes),
    );
  }
  routes.push(route);
}
