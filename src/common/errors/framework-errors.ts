import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER } from '../request-meta.js';
import { PROBLEM_CONTENT_TYPE, problemType, type ProblemDocument } from './problem.js';

/**
 * Requests refused before Nest sees them, rendered as problem+json like every other error (Fastify's
 * own answers are plain JSON): a path that does not decode (bad percent-encoding, `%ED%A0%80`) or
 * whose parameter is longer than MAX_PARAM_LENGTH, found by the router; a request line or headers
 * over Node's header limit, or not HTTP at all, found by the HTTP parser.
 */

/**
 * Longest path parameter the router takes (Fastify's default is 100, shorter than ids the contract
 * allows, e.g. a 128-character abuse-block value); longer ones are a 414 `request/uri-too-long`.
 */
export const MAX_PARAM_LENGTH = 1024;

function problem(status: number, code: string, detail: string, requestId: string): ProblemDocument {
  return {
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    requestId,
    code,
  };
}

/** Fastify's `frameworkErrors`: the router's refusals. */
export function frameworkErrors(
  error: { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const [status, code, detail] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [
          414,
          'request/uri-too-long',
          `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
        ]
      : [400, 'request/bad-url', 'The path is not a valid percent-encoded UTF-8 URL'];
  const requestId = String(request.id);
  void reply
    .status(status)
    .header(REQUEST_ID_HEADER, requestId)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(problem(status, code, detail, requestId));
}

/** Fastify's `clientErrorHandler`: what the HTTP parser refused, answered on the raw socket. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request/headers-too-large', 'The request line and headers exceed the size limit']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request/timeout', 'The request was not received in time']
        : [400, 'request/bad-request', 'The request is not valid HTTP'];
  const requestId = randomUUID();
  const body = JSON.stringify(problem(status, code, detail, requestId));
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n${REQUEST_ID_HEADER}: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}
