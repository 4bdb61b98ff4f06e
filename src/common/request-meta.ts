import { createHash } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './roles.js';

/** The request id, taken from the caller when well-formed and echoed on every response. */
export const REQUEST_ID_HEADER = 'x-request-id';
export const DEVICE_FINGERPRINT_HEADER = 'x-device-fingerprint';

/** Who is asking, from where: what every command needs for authorization and the audit trail. */
export interface RequestMeta {
  requestId: string;
  ip: string;
  /** SHA-256 of the client-supplied device fingerprint header; the raw value is never stored or logged. */
  deviceFingerprint: string | null;
  userAgent: string | null;
  principal: Principal | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal | null;
  }
}

export function hashFingerprint(raw: string | undefined): string | null {
  if (!raw) return null;
  return createHash('sha256').update(raw.slice(0, 512)).digest('hex');
}

export function requestMetaOf(request: FastifyRequest): RequestMeta {
  const fp = request.headers[DEVICE_FINGERPRINT_HEADER];
  const ua = request.headers['user-agent'];
  return {
    requestId: String(request.id),
    ip: request.ip,
    deviceFingerprint: hashFingerprint(typeof fp === 'string' ? fp : undefined),
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
    principal: request.principal ?? null,
  };
}

/** `@Meta() meta: RequestMeta` in a controller method. */
export const Meta = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestMeta =>
  requestMetaOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
