/**
 * Reading a raw request body into a Buffer of at most `maxBytes`, for Fastify content-type parsers
 * of upload routes: a declared Content-Length over the limit is refused before reading, and the
 * stream is abandoned with `tooLarge()` the moment it passes the limit.
 */
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';

export type BodyDone = (err: Error | null, body?: unknown) => void;

export function readBoundedBody(
  request: FastifyRequest,
  payload: Readable,
  maxBytes: number,
  tooLarge: () => Error,
  done: BodyDone,
): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return done(tooLarge());
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (err: Error | null, body?: Buffer): void => {
    if (settled) return;
    settled = true;
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onError);
    done(err, body);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > maxBytes) settle(tooLarge());
    else chunks.push(chunk);
  };
  const onEnd = (): void => settle(null, Buffer.concat(chunks, size));
  const onError = (err: Error): void => settle(err);
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
}
