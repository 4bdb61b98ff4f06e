/** Starts a relay with its admin port: used by `main.ts` and by the tests (in process). */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { createAdminServer } from './admin.js';
import { RelayEventReporter } from './events.js';
import { RelayMetrics } from './metrics.js';
import { Relay, type RelayOptions } from './relay.js';
import { Tickets } from './tickets.js';

export interface RelayConfig {
  host?: string;
  port: number;
  adminHost?: string;
  adminPort: number;
  cert: string;
  key: string;
  publicKeys: readonly KeyObject[];
  ticketSecret: Buffer;
  /** This relay's id (`TUNNEL_RELAY_ID`): it takes only tokens that name it, and reports under it. */
  relayId: string;
  /** The API's base URL: revocations fetched at start, session events reported. */
  apiUrl?: string;
  relaySecret?: string;
  heartbeatMs?: number;
  resumeMs?: number;
  eventsIntervalMs?: number;
  processMetrics?: boolean;
  logger: Logger;
  tap?: RelayOptions['tap'];
}

export interface RunningRelay {
  relay: Relay;
  metrics: RelayMetrics;
  port: number;
  adminPort: number;
  adminUrl: string;
  /** GOAWAY to every agent, tunneled connections finish (up to drainMs), then everything closes. */
  drain(retryMs: number, drainMs: number): Promise<void>;
  /** Hard close. */
  close(): Promise<void>;
}

export async function startRelay(config: RelayConfig): Promise<RunningRelay> {
  const metrics = new RelayMetrics(config.processMetrics ?? false);
  const events = new RelayEventReporter(
    config.apiUrl ? `${config.apiUrl}/remote/relay-events` : undefined,
    config.relaySecret,
    config.relayId,
    config.logger,
    config.eventsIntervalMs,
  );
  const relay = new Relay({
    host: config.host,
    port: config.port,
    cert: config.cert,
    key: config.key,
    publicKeys: config.publicKeys,
    relayId: config.relayId,
    tickets: new Tickets(config.ticketSecret, config.resumeMs ?? 60_000),
    logger: config.logger,
    metrics,
    events,
    heartbeatMs: config.heartbeatMs,
    tap: config.tap,
  });
  const admin = createAdminServer(relay, metrics);
  admin.listen(config.adminPort, config.adminHost ?? '127.0.0.1');
  await once(admin, 'listening');
  await relay.start();
  let fetchTimer: NodeJS.Timeout | undefined;
  const fetchRevocations = async (): Promise<void> => {
    try {
      const response = await fetch(`${config.apiUrl}/remote/revocations`, {
        headers: { authorization: `Bearer ${config.relaySecret ?? ''}` },
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`answered ${response.status}`);
      const { list } = (await response.json()) as { list: string };
      const { ended } = relay.revoke(list);
      config.logger.info({ ended }, 'revocation list loaded');
    } catch (error) {
      config.logger.warn({ err: (error as Error).message }, 'revocation list not loaded; retrying');
      fetchTimer = setTimeout(() => void fetchRevocations(), 5000);
      fetchTimer.unref();
    }
  };
  if (config.apiUrl) await fetchRevocations();
  const adminPort = (admin.address() as AddressInfo).port;
  const closeAdmin = async () => {
    clearTimeout(fetchTimer);
    admin.closeAllConnections();
    await new Promise((r) => admin.close(r));
  };
  return {
    relay,
    metrics,
    port: relay.port,
    adminPort,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    drain: async (retryMs, drainMs) => {
      await relay.drain(retryMs, drainMs);
      await closeAdmin();
    },
    close: async () => {
      await relay.close();
      await closeAdmin();
    },
  };
}
