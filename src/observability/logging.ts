import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Options } from 'pino-http';
import type { AppConfig } from '../config/app-config.js';

export const REQUEST_ID_HEADER = 'x-request-id';
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

/**
 * Keys whose values never reach a log line, at any depth (compared case-insensitively): secrets and the
 * personal data the platform handles (phone, IMEI, PAN, GSTIN, bank details, location).
 */
const SENSITIVE_KEYS = new Set(
  [
    'password',
    'newPassword',
    'currentPassword',
    'passwordHash',
    'token',
    'accessToken',
    'refreshToken',
    'secret',
    'otp',
    'phone',
    'mobile',
    'imei',
    'pan',
    'gstin',
    'aadhaar',
    'accountNumber',
    'ifsc',
    'location',
    'latitude',
    'longitude',
  ].map((k) => k.toLowerCase()),
);

const SENSITIVE_HEADERS = new Set([
  'authorization',
  'cookie',
  'x-device-fingerprint',
  'x-razorpay-signature',
]);

export const REDACTED = '[redacted]';

/**
 * A copy of `value` with sensitive keys censored. Runs only on lines actually written (pino's log
 * formatter), so requests that log nothing pay nothing; path-based redaction ran on every request's
 * child logger and cost most of the request time (docs/performance.md).
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  // Class instances (errors, the raw request and response) are left to their serializers.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEYS.has(k.toLowerCase()) ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}

function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SENSITIVE_HEADERS.has(k) ? REDACTED : v;
  return out;
}

/** pino-http options: JSON lines, request ids, redaction of secrets and personal data. */
export function httpLoggerOptions(config: AppConfig): Options {
  return {
    level: config.log.level,
    formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
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
        url: req.url,
        headers: redactHeaders(req.headers),
        remoteAddress: req.remoteAddress,
      }),
      // Fastify writes response headers in one writeHead call, so none are visible here: status only.
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
