/**
 * AWS Signature Version 4 (header-based, single chunk), enough for S3-compatible object storage:
 * canonical request → string to sign → signing key → signature → Authorization header. Checked
 * against AWS's published S3 examples (sigv4.spec.ts). Only node:crypto; no AWS SDK.
 */
import { createHash, createHmac } from 'node:crypto';

export const EMPTY_PAYLOAD_SHA256 =
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4Input {
  method: string;
  url: URL;
  /** Headers to sign besides host, x-amz-date and x-amz-content-sha256 (which are added). */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body (or `UNSIGNED-PAYLOAD`). */
  payloadHash: string;
  region: string;
  service: string;
  credentials: SigV4Credentials;
  now: Date;
}

export const sha256Hex = (data: string | Uint8Array): string =>
  createHash('sha256').update(data).digest('hex');

const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/** `20130524T000000Z`. */
export function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ as %XX (upper-case hex). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Each path segment encoded once (S3 does not normalise paths or double-encode). */
export function canonicalUri(url: URL): string {
  const path = url.pathname || '/';
  return path
    .split('/')
    .map((s) => uriEncode(decodeURIComponent(s)))
    .join('/');
}

export function canonicalQuery(url: URL): string {
  return [...url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** The canonical request and its signed-header list, from headers already including host etc. */
export function canonicalRequest(
  method: string,
  url: URL,
  headers: Record<string, string>,
  payloadHash: string,
): { canonical: string; signedHeaders: string } {
  const entries = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase().trim(), v.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = entries.map(([k]) => k).join(';');
  const canonical = [
    method.toUpperCase(),
    canonicalUri(url),
    canonicalQuery(url),
    entries.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  return { canonical, signedHeaders };
}

export function credentialScope(now: Date, region: string, service: string): string {
  return `${amzDate(now).slice(0, 8)}/${region}/${service}/aws4_request`;
}

export function stringToSign(now: Date, scope: string, canonical: string): string {
  return ['AWS4-HMAC-SHA256', amzDate(now), scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(secret: string, now: Date, region: string, service: string): Buffer {
  const day = hmac(`AWS4${secret}`, amzDate(now).slice(0, 8));
  return hmac(hmac(hmac(day, region), service), 'aws4_request');
}

/**
 * The headers to send: the given ones plus `x-amz-date`, `x-amz-content-sha256` and `authorization`.
 * `host` is signed (from the URL, with its port when not the default) but not returned: fetch sets it.
 */
export function signRequest(input: SigV4Input): Record<string, string> {
  const sent: Record<string, string> = {
    ...Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v])),
    'x-amz-date': amzDate(input.now),
    'x-amz-content-sha256': input.payloadHash,
  };
  const { canonical, signedHeaders } = canonicalRequest(
    input.method,
    input.url,
    { ...sent, host: input.url.host },
    input.payloadHash,
  );
  const scope = credentialScope(input.now, input.region, input.service);
  const signature = createHmac(
    'sha256',
    signingKey(input.credentials.secretAccessKey, input.now, input.region, input.service),
  )
    .update(stringToSign(input.now, scope, canonical), 'utf8')
    .digest('hex');
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`,
  };
}
