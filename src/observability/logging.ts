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

/** Personal and secret data that must never reach a log line, at any depth we log. */
const SENSITIVE_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
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
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-device-fingerprint"]',
  'req.headers["x-razorpay-signature"]',
  'res.headers["set-cookie"]',
  ...SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
];

/** pino-http options: JSON lines, request ids, redaction of secrets and personal data. */
export function httpLoggerOptions(config: AppConfig): Options {
  return {
    level: config.log.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
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
        headers: req.headers,
        remoteAddress: req.remoteAddress,
      }),
    },
    autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
  };
}
