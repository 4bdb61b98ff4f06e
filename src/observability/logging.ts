import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Options } from 'pino-http';
import { REQUEST_ID_HEADER } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import {
  REDACTED,
  redactDeep,
  scrubLogArguments,
  scrubText,
  serializeError,
} from './error-redaction.js';

export { REQUEST_ID_HEADER };
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Fastify's id generator. A well-formed incoming `x-request-id` is kept (so ids follow a request across
 * services); otherwise a UUID is made. The chosen id is written back to the header so the HTTP logger,
 * which runs later on the raw request, uses the same one.
 */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id =
    typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
  req.headers[REQUEST_ID_HEADER] = id;
  return id;
}

const SENSITIVE_HEADERS = new Set([
  'authorization',
  'cookie',
  'x-device-fingerprint',
  'x-razorpay-signature',
]);

function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SENSITIVE_HEADERS.has(k) ? REDACTED : v;
  return out;
}

/**
 * pino-http options: JSON lines, request ids, redaction of secrets and personal data — in logged
 * objects, message strings and errors (src/observability/error-redaction.ts).
 */
export function httpLoggerOptions(config: AppConfig): Options {
  return {
    level: config.log.level,
    // Redaction runs only on lines actually written (pino's log formatter), so requests that log
    // nothing pay nothing; path-based redaction ran on every request's child logger and cost most of
    // the request time (docs/performance.md).
    formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, scrubLogArguments(args) as Parameters<typeof method>);
      },
    },
    genReqId: (req) => (req.headers[REQUEST_ID_HEADER] as string | undefined) ?? requestIdOf(req),
    // Lines logged while handling a request carry only `reqId`; the completion line carries the request.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'reqId' },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    serializers: {
      req: (req: {
        id: string;
        method: string;
        url: string;
        headers: Record<string, unknown>;
        remoteAddress?: string;
      }) => ({
        id: req.id,
        method: req.method,
        url: scrubText(req.url),
        headers: redactHeaders(req.headers),
        remoteAddress: req.remoteAddress,
      }),
      // Fastify writes response headers in one writeHead call, so none are visible here: status only.
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
  };
}
