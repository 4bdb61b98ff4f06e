/**
 * The relay's admin HTTP port (keep it private to the platform's network): `GET /metrics`
 * (Prometheus), `GET /healthz`, `POST /v1/revocations` (body `{"list": "fbr1.…"}`, a signed
 * revocation list; its signature is its authority, so no other credential is needed).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SignedMessageError } from '../../src/common/tunnel-contract.js';
import type { RelayMetrics } from './metrics.js';
import type { Relay } from './relay.js';

const MAX_BODY_BYTES = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, code: string, title: string): void {
  send(res, status, { type: `tunnel/${code}`, title, status, code }, 'application/problem+json');
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(
  relay: Relay,
  metrics: RelayMetrics,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    return send(res, 200, { status: 'ok', sessions: relay.sessionCount() });
  }
  if (req.method === 'GET' && path === '/metrics') {
    return send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
  }
  if (req.method === 'POST' && path === '/v1/revocations') {
    const body = await readBody(req);
    if (body === undefined) return problem(res, 413, 'body-too-large', 'Body too large');
    let list: unknown;
    try {
      list = (JSON.parse(body) as { list?: unknown }).list;
    } catch {
      return problem(res, 400, 'malformed', 'Body is not JSON');
    }
    if (typeof list !== 'string') return problem(res, 400, 'malformed', 'list is required');
    try {
      return send(res, 200, relay.revoke(list));
    } catch (error) {
      if (error instanceof SignedMessageError) {
        return problem(res, 400, `revocations-${error.code}`, error.message);
      }
      throw error;
    }
  }
  problem(res, 404, 'not-found', 'Not found');
}

export function createAdminServer(relay: Relay, metrics: RelayMetrics): Server {
  return createServer((req, res) => {
    handle(relay, metrics, req, res).catch(() => {
      if (!res.headersSent) problem(res, 500, 'internal', 'Internal error');
      else res.destroy();
    });
  });
}
