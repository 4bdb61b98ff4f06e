import type { RawBodyRequest } from '@nestjs/common';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** LiveKit posts its webhooks as `application/webhook+json`. */
export const LIVEKIT_WEBHOOK_TYPE = 'application/webhook+json';

/** A webhook event is small; anything larger is refused unread. */
const MAX_WEBHOOK_BYTES = 256 * 1024;

/**
 * Registers LiveKit's webhook content type: the body is kept as the exact bytes received
 * (`request.rawBody`; its sha256 is what the signature covers) and parsed only after the signature
 * is checked. With a preview build (openapi generation) providers do not run: nothing to do.
 */
@Injectable()
export class LiveKitWebhookBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser(LIVEKIT_WEBHOOK_TYPE)) return;
    fastify.addContentTypeParser(
      LIVEKIT_WEBHOOK_TYPE,
      { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES },
      (
        request: FastifyRequest,
        body: Buffer,
        done: (err: Error | null, body?: unknown) => void,
      ) => {
        (request as RawBodyRequest<FastifyRequest>).rawBody = body;
        done(null, body);
      },
    );
  }
}
