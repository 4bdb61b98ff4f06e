/**
 * An agent's outer TLS 1.3 connection to the relay: pinned to the relay certificate's SHA-256
 * fingerprint when the platform gave one (`relayCertFingerprint`), else verified against the CAs.
 * Optionally through an HTTP CONNECT proxy, with WebSocket inside the TLS (`wss://` relay URLs).
 */
import type { Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { certificateFingerprint } from '../../src/common/tunnel-contract.js';
import { connectThroughProxy, openWebSocket, type WebSocketStream } from './websocket.js';

export interface RelayEndpoint {
  host: string;
  port: number;
  /** SHA-256 of the relay certificate's DER, lowercase hex. */
  fingerprint?: string;
  /** Extra CA certificates (PEM) when not pinning. */
  ca?: string;
  /** WebSocket inside the TLS, on this path (the relay serves `/v1/ws`). */
  websocketPath?: string;
  /** An HTTP CONNECT proxy to go through, `http://[user:pass@]host:port`. */
  proxy?: string;
}

/** The WebSocket path on the relay's TLS port. */
export const RELAY_WEBSOCKET_PATH = '/v1/ws';

/**
 * Every TLS here (agent ↔ relay, agent ↔ agent): TLS 1.3 only, AES-128-GCM preferred (the cheapest
 * per byte with AES instructions; the other TLS 1.3 suites are still accepted).
 */
export const TLS_OPTIONS = {
  minVersion: 'TLSv1.3',
  ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
  honorCipherOrder: true,
} as const;

/** `tls://host:port` (or `host:port`), or `wss://host:port/path` → the endpoint's address. */
export function parseRelayUrl(url: string): { host: string; port: number; websocketPath?: string } {
  const match = /^(?:(tls|wss):\/\/)?(\[[^\]]+\]|[^:/]+):(\d{1,5})(\/[^?#\s]*)?$/.exec(url.trim());
  if (!match || (match[1] !== 'wss' && (match[4] ?? '/') !== '/')) {
    throw new Error(
      `relay URL ${JSON.stringify(url)} is not tls://host:port or wss://host:port/path`,
    );
  }
  const address = { host: match[2]!.replace(/^\[|\]$/g, ''), port: Number(match[3]) };
  return match[1] === 'wss' ? { ...address, websocketPath: match[4] ?? '/' } : address;
}

export async function connectRelay(relay: RelayEndpoint): Promise<TLSSocket | WebSocketStream> {
  const tunnel = relay.proxy
    ? await connectThroughProxy(relay.proxy, relay.host, relay.port)
    : undefined;
  const socket = await connectTls(relay, tunnel);
  return relay.websocketPath ? openWebSocket(socket, relay.host, relay.websocketPath) : socket;
}

function connectTls(relay: RelayEndpoint, tunnel: Socket | undefined): Promise<TLSSocket> {
  tunnel?.setNoDelay(true);
  return new Promise((resolve, reject) => {
    const socket = connect({
      socket: tunnel,
      host: relay.host,
      port: relay.port,
      servername: /^[\d.:]+$/.test(relay.host) ? undefined : relay.host,
      ...TLS_OPTIONS,
      ca: relay.ca,
      rejectUnauthorized: !relay.fingerprint,
    });
    socket.setNoDelay(true);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      const cert = socket.getPeerX509Certificate();
      if (relay.fingerprint && (!cert || certificateFingerprint(cert.raw) !== relay.fingerprint)) {
        fail(new Error('the relay certificate does not match its pinned fingerprint'));
        return;
      }
      resolve(socket);
    });
  });
}
