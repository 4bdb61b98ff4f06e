/**
 * An agent's outer TLS 1.3 connection to the relay: pinned to the relay certificate's SHA-256
 * fingerprint when the platform gave one (`relayCertFingerprint`), else verified against the CAs.
 */
import { connect, type TLSSocket } from 'node:tls';
import { certificateFingerprint } from './signed.js';

export interface RelayEndpoint {
  host: string;
  port: number;
  /** SHA-256 of the relay certificate's DER, lowercase hex. */
  fingerprint?: string;
  /** Extra CA certificates (PEM) when not pinning. */
  ca?: string;
}

/**
 * Every TLS here (agent ↔ relay, agent ↔ agent): TLS 1.3 only, AES-128-GCM preferred (the cheapest
 * per byte with AES instructions; the other TLS 1.3 suites are still accepted).
 */
export const TLS_OPTIONS = {
  minVersion: 'TLSv1.3',
  ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
  honorCipherOrder: true,
} as const;

/** `tls://host:port` (or `host:port`) → host and port. */
export function parseRelayUrl(url: string): { host: string; port: number } {
  const match = /^(?:tls:\/\/)?(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(url.trim());
  if (!match) throw new Error(`relay URL ${JSON.stringify(url)} is not tls://host:port`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export function connectRelay(relay: RelayEndpoint): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
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
