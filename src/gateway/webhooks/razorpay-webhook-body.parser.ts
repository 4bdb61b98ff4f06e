import type { RawBodyRequest } from '@nestjs/common';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonNestsDeeperThan, tooDeepProblem } from '../../common/errors/json-depth.js';

/** The webhook route (Fastify's form of the path). */
export const WEBHOOK_ROUTE = { method: 'POST', url: '/webhooks/razorpay' };

const JSON_TYPE = 'application/json';

type Done = (err: Error | null, body?: unknown) => void;

export function isWebhookRoute(request: FastifyRequest): boolean {
  return (
    !request.is404 &&
    request.method === WEBHOOK_ROUTE.method &&
    request.routeOptions.url === WEBHOOK_ROUTE.url
  );
}

/**
 * The webhook route's body must stay the exact bytes received (its signature is an HMAC of them), and
 * must not be parsed before the signature is checked (an unsigned body is refused unread as JSON,
 * and a signed body that is not JSON is `webhook/malformed`, not Fastify's generic JSON error).
 *
 * Fastify picks a body parser by content type, not by route, and Nest registers the application's
 * `application/json` parser before any module starts. This replaces it, at module start, with one
 * that does exactly what Nest's did (read as a Buffer within the app's body limit, keep it as
 * `request.rawBody` — `rawBody: true` in NEST_APP_OPTIONS —, parse it with Fastify's default JSON
 * parser and its prototype-poisoning settings) on every route but the webhook route, where the body is
 * the raw Buffer. A body nesting arrays and objects deeper than MAX_JSON_DEPTH is refused unparsed
 * (400 `request/too-deep`). With a preview build (openapi generation) providers do not run: nothing to do.
 */
@Injectable()
export class RazorpayWebhookBodyParser implements OnModuleInit {
  private static readonly installed = new WeakSet<FastifyInstance>();

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || RazorpayWebhookBodyParser.installed.has(fastify)) return;
    RazorpayWebhookBodyParser.installed.add(fastify);
    const { bodyLimit, onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
    const parseJson = fastify.getDefaultJsonParser(
      onProtoPoisoning ?? 'error',
      onConstructorPoisoning ?? 'error',
    );
    if (fastify.hasContentTypeParser(JSON_TYPE)) fastify.removeContentTypeParser(JSON_TYPE);
    fastify.addContentTypeParser(
      JSON_TYPE,
      { parseAs: 'buffer', ...(bodyLimit !== undefined ? { bodyLimit } : {}) },
      (request: FastifyRequest, body: Buffer, done: Done) => {
        (request as RawBodyRequest<FastifyRequest>).rawBody = body;
        if (isWebhookRoute(request)) return done(null, body);
        if (jsonNestsDeeperThan(body)) return done(tooDeepProblem());
        // Typed for a string; secure-json-parse takes the Buffer as it is (as Nest's parser passes it).
        parseJson(request, body as unknown as string, done);
      },
    );
  }
}
